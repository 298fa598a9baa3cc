// The shipped configs validate, defaults are applied, and the summary reads well.
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "feeds/o2/module.hpp"
#include "feeds/oxfun/module.hpp"
#include "feeds/pulse/module.hpp"
#include "feeds/woo/module.hpp"
#include "tests/config/test_util.hpp"

using namespace wirebook::config;
using namespace wirebook::config::test;
namespace feeds = wirebook::feeds;

namespace {

std::filesystem::path source_root() {
  const char* root = std::getenv("WIREBOOK_SOURCE_ROOT");
  REQUIRE(root != nullptr);
  return root;
}

const VenueConfig& venue_named(const Config& cfg, std::string_view name) {
  for (const auto& v : cfg.venues) {
    if (v.name == name) return v;
  }
  FAIL("no venue " << name);
  return cfg.venues.front();
}

}  // namespace

TEST_CASE("the shipped wirebook.toml validates with the real endpoints", "[config]") {
  const Config cfg = load_config(source_root() / "config" / "wirebook.toml", kinds());
  INFO(summarize(cfg));
  REQUIRE(cfg.daemon.instance == "prod");
  REQUIRE(cfg.warnings.empty());
  const auto& woo = venue_named(cfg, "woo");
  REQUIRE(woo.kind == "woo");
  REQUIRE(woo.endpoint.scheme == "wss");
  REQUIRE(woo.endpoint.host == "wss.woox.io");
  REQUIRE(woo.endpoint.port == 443);
  REQUIRE(woo.endpoint.target == "/v3/public");
  const auto woo_keys = feeds::read_own_keys(woo, feeds::woo::read_keys);
  REQUIRE(woo_keys.v3);
  REQUIRE(woo_keys.depth == 50);
  REQUIRE(feeds::woo::default_rest_url(woo.endpoint) == "https://api.woox.io");
  const auto& pulse = venue_named(cfg, "pulse");
  REQUIRE(pulse.endpoint.host == "dev.pulsegateway.devucc.name");
  REQUIRE(pulse.heartbeat_s >= 10);
  REQUIRE(venue_named(cfg, "o2").endpoint.target == "/api/v1/ws");
  REQUIRE(venue_named(cfg, "oxfun").endpoint.host == "api.ox.fun");
  for (const auto& v : cfg.venues) {
    REQUIRE(v.endpoint.tls());
    REQUIRE(v.tls.verify);
    REQUIRE_FALSE(v.api_key.given());
  }
}

TEST_CASE("the shipped demo.toml points every venue at the local simulator", "[config]") {
  const Config cfg = load_config(source_root() / "config" / "demo.toml", kinds());
  INFO(summarize(cfg));
  REQUIRE(cfg.daemon.instance == "demo");
  REQUIRE(cfg.daemon.instance_dir() == "/dev/shm/wirebook/demo");
  REQUIRE(cfg.venues.size() == 5);
  REQUIRE(venue_named(cfg, "woo").endpoint.port == 18081);
  REQUIRE(venue_named(cfg, "pulse").endpoint.port == 18082);
  const auto& o2 = venue_named(cfg, "o2");
  REQUIRE(o2.endpoint.port == 18083);
  const auto o2_keys = feeds::read_own_keys(o2, feeds::o2::read_keys);
  REQUIRE(o2_keys.market_ids.size() == 3);
  REQUIRE(o2_keys.trades);
  REQUIRE(o2_keys.funding);
  const auto& ox = venue_named(cfg, "oxfun");
  REQUIRE(ox.endpoint.port == 18084);
  REQUIRE(ox.api_key.given());
  const auto ox_keys = feeds::read_own_keys(ox, feeds::oxfun::read_keys);
  REQUIRE(ox_keys.positions);
  REQUIRE(ox_keys.trades);
  REQUIRE(ox_keys.bbo);
  REQUIRE(ox_keys.depth_check);
  REQUIRE(ox_keys.jumps_break);
  const auto& ocx = venue_named(cfg, "ocx");
  REQUIRE(ocx.endpoint.port == 18085);
  REQUIRE(ocx.endpoint.target == "/perps/book-stream");
  for (const auto& v : cfg.venues) {
    // WebSocket venues over ws://, the SSE venue (OCX) over http://.
    REQUIRE((v.endpoint.scheme == "ws" || v.endpoint.scheme == "http"));
    REQUIRE(is_loopback_host(v.endpoint.host));
  }
  REQUIRE(cfg.warnings.empty());
}

TEST_CASE("a minimal config gets the documented defaults", "[config]") {
  const Config cfg = parse_config(kDaemon + kWoo, "min.toml", kinds());
  const DaemonConfig& d = cfg.daemon;
  REQUIRE(d.shm_dir == "/dev/shm/wirebook");
  REQUIRE(d.shm_mode == 0640);
  REQUIRE(d.shm_group.empty());
  REQUIRE(d.log_level == LogLevel::info);
  REQUIRE_FALSE(d.metrics_listen.has_value());
  REQUIRE(d.stats_interval_s == 10);
  REQUIRE(d.ring_capacity == 65536);
  const VenueConfig& v = cfg.venues.at(0);
  REQUIRE(v.enabled);
  REQUIRE(v.depth == 20);
  REQUIRE(v.max_levels == 80);
  REQUIRE_FALSE(v.cpu.has_value());
  REQUIRE_FALSE(v.rt_priority.has_value());
  REQUIRE(v.tls.verify);
  REQUIRE(v.tls.ca_file.empty());
  REQUIRE(v.heartbeat_s == 10);
  REQUIRE(v.stale_ms == 5000);
  REQUIRE(v.connect_timeout_ms == 5000);
  REQUIRE(v.max_frame_bytes == 16U * 1024U * 1024U);
  REQUIRE(v.max_positions == 64);
  const auto woo_keys = feeds::read_own_keys(v, feeds::woo::read_keys);
  REQUIRE_FALSE(woo_keys.trades);
  REQUIRE(woo_keys.path_suffix.empty());
  REQUIRE_FALSE(woo_keys.v3);  // a /ws/stream url is v2 unless protocol says otherwise
}

TEST_CASE("every optional key is accepted and read", "[config]") {
  const std::string text = R"([daemon]
instance = "full"
shm_dir = "/run/wirebook"
shm_mode = 0o640
shm_group = "wirebook"
log_level = "debug"
metrics_listen = "[::1]:9100"
stats_interval_s = 30
ring_capacity = 1048576

[[venue]]
name = "woo"
kind = "woo"
url = "wss://wss.woox.io/ws/stream?x=1"
symbols = ["SPOT_BTC_USDT", "PERP_BTC_USDT"]
depth = 100
max_levels = 1000
cpu = 2
rt_priority = 10
heartbeat_s = 9
stale_ms = 3000
connect_timeout_ms = 2000
max_frame_bytes = 1048576
max_positions = 200
api_key_env = "WOO_KEY"
api_secret_file = "/etc/wirebook/woo.secret"
path_suffix = "OqdphuyCtYWxwzhxyLLjOWNdFP7sQt8RPWzmb5xY"
trades = true
bbo = true
[venue.tls]
ca_file = "/etc/ssl/certs/ca-certificates.crt"
verify = true

[[venue]]
name = "pulse"
kind = "pulse"
url = "wss://dev.pulsegateway.devucc.name/ws/api/v2"
symbols = ["BTC_USD-PERPETUAL"]
depth = 10
interval = "100ms"
quotes = true

[[venue]]
name = "o2"
kind = "o2"
enabled = false
url = "wss://api.oxygentwo.com/api/v1/ws"
symbols = ["BTC-USD"]
depth = 10
market_ids = { "BTC-USD" = 7 }
rest_url = "https://api.oxygentwo.com"
rest_check_interval_s = 120

[[venue]]
name = "ocx"
kind = "ocx"
url = "http://127.0.0.1:18084/perps/book-stream"
symbols = ["BTC-PERP"]
depth = 25
)";
  const Config cfg = parse_config(text, "full.toml", kinds());
  INFO(summarize(cfg));
  REQUIRE(cfg.daemon.shm_mode == 0640);
  REQUIRE(cfg.daemon.shm_group == "wirebook");
  REQUIRE(cfg.daemon.log_level == LogLevel::debug);
  REQUIRE(cfg.daemon.metrics_listen->host == "::1");
  REQUIRE(cfg.daemon.metrics_listen->port == 9100);
  REQUIRE(cfg.daemon.ring_capacity == 1048576);
  const auto& woo = cfg.venues.at(0);
  REQUIRE(woo.endpoint.target == "/ws/stream/OqdphuyCtYWxwzhxyLLjOWNdFP7sQt8RPWzmb5xY?x=1");
  REQUIRE(woo.url == "wss://wss.woox.io/ws/stream?x=1");
  REQUIRE(*woo.cpu == 2);
  REQUIRE(*woo.rt_priority == 10);
  REQUIRE(woo.max_levels == 1000);
  REQUIRE(woo.max_positions == 200);
  REQUIRE(woo.api_key.source == CredentialRef::Source::env);
  REQUIRE(woo.api_key.name == "WOO_KEY");
  REQUIRE(woo.api_secret.source == CredentialRef::Source::file);
  REQUIRE(woo.tls.ca_file == "/etc/ssl/certs/ca-certificates.crt");
  const auto woo_keys = feeds::read_own_keys(woo, feeds::woo::read_keys);
  REQUIRE((woo_keys.trades && woo_keys.bbo));
  const auto& pulse = cfg.venues.at(1);
  const auto pulse_keys = feeds::read_own_keys(pulse, feeds::pulse::read_keys);
  REQUIRE(pulse_keys.interval == "100ms");
  REQUIRE(pulse_keys.quotes);
  const auto& o2 = cfg.venues.at(2);
  REQUIRE_FALSE(o2.enabled);
  const auto o2_keys = feeds::read_own_keys(o2, feeds::o2::read_keys);
  REQUIRE(o2_keys.market_ids.size() == 1);
  REQUIRE(o2_keys.market_ids[0].second == 7);
  REQUIRE(o2_keys.rest_url == "https://api.oxygentwo.com");
  REQUIRE(o2_keys.rest_check_interval_s == 120);
  const auto& ocx = cfg.venues.at(3);
  REQUIRE(ocx.heartbeat_s == 15);
  REQUIRE(ocx.endpoint.port == 18084);
}

TEST_CASE("risky but valid settings are accepted with warnings", "[config]") {
  const Config cfg =
      parse_config(kDaemon + "metrics_listen = \"0.0.0.0:9100\"\n" + kWoo +
                       "cpu = 1\n[venue.tls]\nverify = false\n" +
                       std::string(kWoo).replace(kWoo.find("\"woo\""), 5, "\"woo2\"") + "cpu = 1\n",
                   "w.toml", kinds());
  REQUIRE(cfg.warnings.size() == 3);
  REQUIRE(cfg.warnings[0] ==
          "daemon: metrics_listen '0.0.0.0:9100' is not a loopback address; the metrics endpoint "
          "has no authentication");
  REQUIRE(cfg.warnings[1] ==
          "venue 'woo': tls.verify = false: the server certificate is NOT verified");
  REQUIRE(cfg.warnings[2] == "venues 'woo' and 'woo2' are pinned to cpu 1");
}

TEST_CASE("idle strategies: block by default, spin and backoff pinned", "[config]") {
  const Config plain = parse_config(kDaemon + kWoo, "i.toml", kinds());
  REQUIRE(plain.venues.at(0).idle == IdleMode::block);
  REQUIRE(plain.venues.at(0).spin_us == kDefaultSpinUs);
  REQUIRE(summarize(plain).find(", idle block") != std::string::npos);

  const Config backoff = parse_config(
      kDaemon + kWoo + "cpu = 0\nidle = \"backoff\"\nspin_us = 250\n", "i.toml", kinds());
  REQUIRE(backoff.venues.at(0).idle == IdleMode::backoff);
  REQUIRE(backoff.venues.at(0).spin_us == 250);
  REQUIRE(summarize(backoff).find("cpu 0, rt priority none, idle backoff 250 us") !=
          std::string::npos);
}

namespace {

// The cpus this process may use, as the config check sees them.
std::vector<int> usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

std::string spinning_woo(const std::string& name, int cpu) {
  return std::string(kWoo).replace(kWoo.find("\"woo\""), 5, "\"" + name + "\"") +
         "cpu = " + std::to_string(cpu) + "\nidle = \"spin\"\n";
}

bool has_warning(const Config& cfg, const std::string& text) {
  return std::any_of(cfg.warnings.begin(), cfg.warnings.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("spinning venues are checked against the cpus the process may use", "[config]") {
  const std::vector<int> cpus = usable_cpus();
  INFO("usable cpus: " << cpus.size());
  SECTION("one spinning venue per usable cpu leaves none for the rest: warned") {
    std::string text = kDaemon;
    for (std::size_t i = 0; i < cpus.size(); ++i)
      text += spinning_woo("w" + std::to_string(i), cpus[i]);
    const Config cfg = parse_config(text, "s.toml", kinds());
    INFO(summarize(cfg));
    REQUIRE(has_warning(cfg, std::to_string(cpus.size()) + " venue"));
    REQUIRE(has_warning(cfg, "none is left for the daemon's other threads and the system"));
  }
  SECTION("fewer spinning venues than usable cpus: no warning") {
    if (cpus.size() < 2) {
      WARN("skipped: needs two usable cpus");
      return;
    }
    const Config cfg = parse_config(kDaemon + spinning_woo("w0", cpus[0]), "s.toml", kinds());
    REQUIRE(cfg.warnings.empty());
  }
  SECTION("a cpu outside the affinity mask and a shared cpu are warned") {
    const Config cfg = parse_config(kDaemon + spinning_woo("far", 1023) +
                                        spinning_woo("a", cpus[0]) + spinning_woo("b", cpus[0]),
                                    "s.toml", kinds());
    INFO(summarize(cfg));
    REQUIRE(has_warning(cfg, "venue 'far' spins on cpu 1023, which this process may not use"));
    REQUIRE(has_warning(cfg, "venues 'a' and 'b' are pinned to cpu " + std::to_string(cpus[0]) +
                                 " and one of them spins"));
  }
}

TEST_CASE("the summary names the instance, every venue and the warnings", "[config]") {
  const Config cfg =
      parse_config(kDaemon + kWoo + "api_key_env = \"WOO_KEY\"\n" + "[venue.tls]\nverify = false\n",
                   "s.toml", kinds());
  const std::string s = summarize(cfg);
  INFO(s);
  REQUIRE(s.find("config s.toml: instance 't1', shm /dev/shm/wirebook/t1 mode 0640") == 0);
  REQUIRE(s.find("venue 'woo' (woo): wss://wss.woox.io:443/ws/stream") != std::string::npos);
  REQUIRE(s.find("1 symbol: SPOT_BTC_USDT") != std::string::npos);
  REQUIRE(s.find("depth 20, max_levels 80") != std::string::npos);
  REQUIRE(s.find("(VERIFY OFF)") != std::string::npos);
  REQUIRE(s.find("api key env WOO_KEY, api secret none") != std::string::npos);
  REQUIRE(s.find("warning: venue 'woo': tls.verify = false") != std::string::npos);
}

TEST_CASE("woo protocol, update_depth and rest_url are read (v3 defaults)", "[config]") {
  const std::string v3 = kDaemon + R"(
[[venue]]
name = "woo"
kind = "woo"
url = "ws://127.0.0.1:18081/v3/public"
symbols = ["SPOT_BTC_USDT"]
depth = 150
bbo = true
max_connection_age_s = 5
)";
  const Config cfg = parse_config(v3, "v3.toml", kinds());
  const auto k = feeds::read_own_keys(venue_named(cfg, "woo"), feeds::woo::read_keys);
  REQUIRE(k.v3);
  REQUIRE(k.depth == 200);  // the smallest topic depth covering depth 150
  REQUIRE(k.max_connection_age_s == 5);
  REQUIRE(feeds::woo::default_rest_url(venue_named(cfg, "woo").endpoint) ==
          "http://127.0.0.1:18081");
  const Config forced = parse_config(kDaemon + kWoo + "protocol = \"v3\"\nupdate_depth = 500\n" +
                                         "rest_url = \"https://api.staging.woox.io\"\n",
                                     "forced.toml", kinds());
  const auto f = feeds::read_own_keys(venue_named(forced, "woo"), feeds::woo::read_keys);
  REQUIRE(f.v3);
  REQUIRE(f.depth == 500);
  REQUIRE(f.rest_url == "https://api.staging.woox.io");
}

TEST_CASE("connect_limit and rest_limit override the module's limits; absent, the module's apply",
          "[config]") {
  const Config plain = parse_config(kDaemon + kWoo, "min.toml", kinds());
  const feeds::VenueModule& woo = *feeds::find_venue_module("woo");
  const feeds::WindowLimit documented = feeds::rest_limit(plain.venues.at(0), woo);
  REQUIRE(documented.count == 10);  // woox-api.txt: "10 requests per 1 second"
  REQUIRE(documented.window_ns == 1'000'000'000);
  REQUIRE(feeds::connect_limit(plain.venues.at(0), woo).count == woo.connect_limit.count);
  const Config set =
      parse_config(kDaemon + kWoo +
                       "connect_limit = 4\nconnect_limit_window_ms = 2000\nrest_limit = 6\n"
                       "rest_limit_window_ms = 3000\n",
                   "limits.toml", kinds());
  const feeds::WindowLimit connects = feeds::connect_limit(set.venues.at(0), woo);
  REQUIRE(connects.count == 4);
  REQUIRE(connects.window_ns == 2'000'000'000);
  const feeds::WindowLimit rests = feeds::rest_limit(set.venues.at(0), woo);
  REQUIRE(rests.count == 6);
  REQUIRE(rests.window_ns == 3'000'000'000);
}

TEST_CASE("[[consolidated]] names map to venue symbols and show in the summary", "[config]") {
  const std::string text = kDaemon + kWoo +
                           "\n[[venue]]\nname = \"pulse\"\nkind = \"pulse\"\n"
                           "url = \"wss://dev.pulsegateway.devucc.name/ws/api/v2\"\n"
                           "symbols = [\"BTC_USD-PERPETUAL\"]\ndepth = 20\n"
                           "\n[[consolidated]]\nname = \"BTC-PERP\"\n"
                           "members = [\"pulse:BTC_USD-PERPETUAL\", \"woo:SPOT_BTC_USDT\"]\n";
  const Config cfg = parse_config(text, "c.toml", kinds());
  REQUIRE(cfg.consolidated.size() == 1);
  const ConsolidatedConfig& c = cfg.consolidated[0];
  CHECK(c.name == "BTC-PERP");
  REQUIRE(c.members.size() == 2);
  CHECK(c.members[0].venue == "pulse");
  CHECK(c.members[0].symbol == "BTC_USD-PERPETUAL");
  CHECK(c.members[1].venue == "woo");
  CHECK(summarize(cfg).find("consolidated 'BTC-PERP': pulse:BTC_USD-PERPETUAL woo:SPOT_BTC_USDT") !=
        std::string::npos);
  CHECK(parse_config(kDaemon + kWoo, "min.toml", kinds()).consolidated.empty());
}
