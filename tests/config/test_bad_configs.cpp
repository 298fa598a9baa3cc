// Each bad config gives its precise message (DESIGN §7, issue 5).
#include <string>

#include "tests/config/test_util.hpp"

using namespace wirebook::config;
using namespace wirebook::config::test;

namespace {

// kDaemon + kWoo with `from` replaced by `to` (from must occur).
std::string woo_with(const std::string& from, const std::string& to) {
  std::string text = kDaemon + kWoo;
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string venue(const std::string& body) {
  return kDaemon + "\n[[venue]]\n" + body;
}

const std::string kPulse = R"(name = "pulse"
kind = "pulse"
url = "wss://dev.pulsegateway.devucc.name/ws/api/v2"
symbols = ["BTC_USD-PERPETUAL"]
depth = 20
)";

}  // namespace

TEST_CASE("a TOML syntax error reports file:line:col", "[config]") {
  const std::string text = "[daemon]\ninstance = \"t1\"\nshm_dir = /dev/shm\n";
  try {
    (void)parse_config(text, "bad.toml", kinds());
    FAIL("accepted");
  } catch (const ConfigError& e) {
    REQUIRE(e.problems().size() == 1);
    const std::string what = e.what();
    INFO(what);
    REQUIRE(what ==
            "bad.toml:3:11: TOML syntax error: Error while parsing value: could not determine "
            "value type");
    REQUIRE(e.problems()[0] == what);
  }
}

TEST_CASE("a duplicate TOML key is a syntax error with its location", "[config]") {
  const auto p = problems_of("[daemon]\ninstance = \"a\"\ninstance = \"b\"\n");
  REQUIRE(p.size() == 1);
  REQUIRE(p[0] ==
          "test.toml:3:12: TOML syntax error: Error while parsing key-value pair: cannot "
          "redefine existing string 'instance'");
}

TEST_CASE("an unknown daemon key is named, with a suggestion", "[config]") {
  REQUIRE_PROBLEM("[daemon]\ninstanse = \"t1\"\n" + kWoo,
                  "daemon: unknown key 'instanse' (did you mean 'instance'?)");
  REQUIRE_PROBLEM("[daemon]\ninstanse = \"t1\"\n" + kWoo,
                  "daemon: missing required key 'instance'");
}

TEST_CASE("an unknown venue key is named", "[config]") {
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20", "depth = 20\ncolour = \"red\""),
                       "venue 'woo': unknown key 'colour'");
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20", "depth = 20\nstale_msec = 900"),
                       "venue 'woo': unknown key 'stale_msec' (did you mean 'stale_ms'?)");
}

TEST_CASE("an unknown tls key is named with its table", "[config]") {
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "[venue.tls]\nverfy = false\n",
                       "venue 'woo': unknown key 'tls.verfy' (did you mean 'tls.verify'?)");
}

TEST_CASE("an unknown top-level table is named", "[config]") {
  REQUIRE_PROBLEM("[deamon]\ninstance = \"t1\"\n" + kWoo,
                  "config: unknown key 'deamon' (did you mean 'daemon'?)");
  REQUIRE_PROBLEM("[deamon]\ninstance = \"t1\"\n" + kWoo, "config: missing required key 'daemon'");
}

TEST_CASE("a missing required venue key is named", "[config]") {
  REQUIRE_ONLY_PROBLEM(woo_with("url = \"wss://wss.woox.io/ws/stream\"\n", ""),
                       "venue 'woo': missing required key 'url'");
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20\n", ""), "venue 'woo': missing required key 'depth'");
  REQUIRE_ONLY_PROBLEM(woo_with("name = \"woo\"\n", ""), "venue #1: missing required key 'name'");
}

TEST_CASE("a missing daemon section or instance is named", "[config]") {
  REQUIRE_ONLY_PROBLEM(kWoo, "config: missing required key 'daemon'");
  REQUIRE_ONLY_PROBLEM("[daemon]\nlog_level = \"info\"\n" + kWoo,
                       "daemon: missing required key 'instance'");
}

TEST_CASE("a value of the wrong type names key, expected and actual type", "[config]") {
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20", "depth = \"20\""),
                       "venue 'woo': depth must be an integer, got a string");
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20", "depth = 20.0"),
                       "venue 'woo': depth must be an integer, got a float");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "[venue.tls]\nverify = \"no\"\n",
                       "venue 'woo': tls.verify must be a boolean (true or false), got a string");
  REQUIRE_ONLY_PROBLEM(woo_with("symbols = [\"SPOT_BTC_USDT\"]", "symbols = \"SPOT_BTC_USDT\""),
                       "venue 'woo': symbols must be an array, got a string");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "tls = true\n",
                       "venue 'woo': tls must be a table ([venue.tls]), got a boolean");
}

TEST_CASE("depth out of range is rejected with the range and the value", "[config]") {
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20", "depth = 0"),
                       "venue 'woo': depth must be 1..1000, got 0");
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20", "depth = 1001"),
                       "venue 'woo': depth must be 1..1000, got 1001");
}

TEST_CASE("ocx depth is capped at the book-stream maximum", "[config]") {
  REQUIRE_ONLY_PROBLEM(venue("name = \"ocx\"\nkind = \"ocx\"\nurl = \"https://api.example.com/"
                             "perps/book-stream\"\nsymbols = [\"BTC-PERP\"]\ndepth = 250\n"),
                       "venue 'ocx': depth must be 1..100 (book-stream maximum), got 250");
}

TEST_CASE("oxfun keys are checked: channels, jump policy, positions need credentials", "[config]") {
  const std::string ox =
      "name = \"oxfun\"\nkind = \"oxfun\"\nurl = \"wss://api.ox.fun/v2/websocket\"\n"
      "symbols = [\"BTC-USD-SWAP-LIN\"]\ndepth = 20\n";
  REQUIRE_ONLY_PROBLEM(venue(ox + "extra_channels = [\"trade\", \"ticker\"]\n"),
                       "venue 'oxfun': extra_channels[1] must be one of trade, bestBidAsk, got "
                       "'ticker'");
  REQUIRE_ONLY_PROBLEM(venue(ox + "seqnum_jumps = \"skip\"\n"),
                       "venue 'oxfun': seqnum_jumps must be one of break, count, got 'skip'");
  REQUIRE_ONLY_PROBLEM(venue(ox + "positions = true\n"),
                       "venue 'oxfun': positions = true needs api_key and api_secret (the "
                       "position channel is private)");
}

TEST_CASE("a duplicate venue name is rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + kWoo,
                       "venue #2: duplicate venue name 'woo' (first used by venue #1)");
}

TEST_CASE("an unknown venue kind lists the valid kinds", "[config]") {
  REQUIRE_ONLY_PROBLEM(
      venue("name = \"pulse\"\nkind = \"deribit\"\nurl = \"wss://h/\"\n"
            "symbols = [\"X\"]\ndepth = 5\n"),
      "venue 'pulse': kind must be one of woo, pulse, o2, oxfun, ocx, got 'deribit'");
}

TEST_CASE("a url with the wrong scheme for its kind is rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(woo_with("wss://wss.woox.io", "https://wss.woox.io"),
                       "venue 'woo': url scheme must be wss:// (or ws:// to a loopback host) for "
                       "kind woo, got 'https://'");
  REQUIRE_ONLY_PROBLEM(venue("name = \"ocx\"\nkind = \"ocx\"\nurl = \"wss://api.example.com/\"\n"
                             "symbols = [\"BTC-PERP\"]\ndepth = 25\n"),
                       "venue 'ocx': url scheme must be https:// (or http:// to a loopback host) "
                       "for kind ocx, got 'wss://'");
  REQUIRE_ONLY_PROBLEM(
      woo_with("wss://wss.woox.io", "ftp://wss.woox.io"),
      "venue 'woo': url 'ftp://wss.woox.io/ws/stream' has unsupported scheme 'ftp'");
}

TEST_CASE("a malformed url says what is wrong", "[config]") {
  REQUIRE_ONLY_PROBLEM(woo_with("wss://wss.woox.io", "wss.woox.io"),
                       "venue 'woo': url 'wss.woox.io/ws/stream' has no scheme (expected "
                       "scheme://host)");
  REQUIRE_ONLY_PROBLEM(woo_with("wss://wss.woox.io", "wss://wss.woox.io:70000"),
                       "venue 'woo': url 'wss://wss.woox.io:70000/ws/stream' port must be "
                       "1..65535, got '70000'");
  REQUIRE_ONLY_PROBLEM(woo_with("wss://wss.woox.io", "wss://user:pw@wss.woox.io"),
                       "venue 'woo': url 'wss://user:pw@wss.woox.io/ws/stream' has user info "
                       "('@'); not supported");
}

TEST_CASE("plain ws:// to a non-loopback host needs allow_insecure", "[config]") {
  REQUIRE_ONLY_PROBLEM(woo_with("wss://wss.woox.io", "ws://wss.woox.io"),
                       "venue 'woo': url 'ws://wss.woox.io/ws/stream' is plain ws:// to "
                       "non-loopback host 'wss.woox.io'; use wss:// or set allow_insecure = true");
  const auto cfg =
      parse_config(woo_with("wss://wss.woox.io", "ws://10.0.0.5:8080") + "allow_insecure = true\n",
                   "t", kinds());
  REQUIRE(cfg.warnings.size() == 1);
  REQUIRE(cfg.warnings[0] ==
          "venue 'woo': allow_insecure = true: plain ws:// to '10.0.0.5' is unencrypted");
}

TEST_CASE("duplicate symbols are rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(woo_with("[\"SPOT_BTC_USDT\"]", "[\"SPOT_BTC_USDT\", \"SPOT_BTC_USDT\"]"),
                       "venue 'woo': duplicate symbol 'SPOT_BTC_USDT' in symbols");
}

TEST_CASE("empty symbols are rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(woo_with("[\"SPOT_BTC_USDT\"]", "[]"),
                       "venue 'woo': symbols must not be empty");
  REQUIRE_ONLY_PROBLEM(woo_with("[\"SPOT_BTC_USDT\"]", "[\"SPOT_BTC_USDT\", \"\"]"),
                       "venue 'woo': symbols[1] must not be empty");
  REQUIRE_ONLY_PROBLEM(woo_with("[\"SPOT_BTC_USDT\"]", "[\"SPOT_BTC_USDT\", 7]"),
                       "venue 'woo': symbols[1] must be a string, got an integer");
  REQUIRE_ONLY_PROBLEM(woo_with("[\"SPOT_BTC_USDT\"]", "[\"SPOT BTC\"]"),
                       "venue 'woo': symbols[0] must be 1..47 printable characters without "
                       "spaces, got 'SPOT BTC'");
}

TEST_CASE("an inline secret is rejected without echoing it", "[config]") {
  const auto p = problems_of(kDaemon + kWoo + "api_secret = \"hunter2-very-secret\"\n");
  REQUIRE(p.size() == 1);
  REQUIRE(p[0] ==
          "venue 'woo': inline secret 'api_secret' is not allowed; use 'api_secret_env' "
          "(environment variable name) or 'api_secret_file' (file path)");
  REQUIRE(p[0].find("hunter2") == std::string::npos);
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "api_key = \"abc\"\n",
                       "venue 'woo': inline secret 'api_key' is not allowed; use 'api_key_env' "
                       "(environment variable name) or 'api_key_file' (file path)");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "password = \"abc\"\n",
                       "venue 'woo': inline secret 'password' is not allowed; use "
                       "'api_secret_env' (environment variable name) or 'api_secret_file' "
                       "(file path)");
}

TEST_CASE("a credential given both by env and by file is rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "api_key_env = \"WOO_KEY\"\napi_key_file = \"/k\"\n",
                       "venue 'woo': give either 'api_key_env' or 'api_key_file', not both");
}

TEST_CASE("credential references are checked", "[config]") {
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "api_secret_env = \"WOO_SECRET\"\n",
                       "venue 'woo': api_secret_env/api_secret_file given without "
                       "api_key_env/api_key_file");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "api_key_env = \"1BAD-NAME\"\n",
                       "venue 'woo': api_key_env must be an environment variable name "
                       "([A-Za-z_][A-Za-z0-9_]*); the 9-character value given is not one (not "
                       "shown)");
  // The key itself pasted where its variable's name belongs never reaches the message.
  const auto p = problems_of(kDaemon + kWoo + "api_secret_env = \"sk-live/9f8e7d\"\n" +
                             "api_key_env = \"WOO_KEY\"\n");
  REQUIRE(p.size() == 1);
  REQUIRE(p.front().find("9f8e7d") == std::string::npos);
}

TEST_CASE("a bad metrics address is rejected", "[config]") {
  const auto with_metrics = [](const std::string& addr) {
    return kDaemon + "metrics_listen = \"" + addr + "\"\n" + kWoo;
  };
  REQUIRE_ONLY_PROBLEM(with_metrics("127.0.0.1:0"),
                       "daemon: metrics_listen '127.0.0.1:0' port must be 1..65535, got '0'");
  REQUIRE_ONLY_PROBLEM(with_metrics("300.1.1.1:9100"),
                       "daemon: metrics_listen '300.1.1.1:9100' host must be an IP address or "
                       "localhost, got '300.1.1.1'");
  REQUIRE_ONLY_PROBLEM(with_metrics("127.0.0.1"),
                       "daemon: metrics_listen '127.0.0.1' has no port (expected host:port)");
  REQUIRE_ONLY_PROBLEM(with_metrics("::1:9100"),
                       "daemon: metrics_listen '::1:9100' has an IPv6 address without [brackets]");
}

TEST_CASE("a world-writable or malformed shm_mode is rejected", "[config]") {
  const auto with_mode = [](const std::string& mode) {
    return kDaemon + "shm_mode = " + mode + "\n" + kWoo;
  };
  REQUIRE_ONLY_PROBLEM(with_mode("\"0666\""),
                       "daemon: shm_mode must not be world-writable, got 0666");
  REQUIRE_ONLY_PROBLEM(with_mode("0o642"), "daemon: shm_mode must not be world-writable, got 0642");
  REQUIRE_ONLY_PROBLEM(with_mode("640"),
                       "daemon: shm_mode must be within 0000..0777 (write \"0640\" or 0o640, not "
                       "640), got 640");
  REQUIRE_ONLY_PROBLEM(with_mode("\"0689\""),
                       "daemon: shm_mode must be an octal string like \"0640\", got \"0689\"");
  REQUIRE_ONLY_PROBLEM(with_mode("\"0440\""),
                       "daemon: shm_mode must give the owner read and write (0600), got 0440");
}

TEST_CASE("a ring capacity that is not a power of two is rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(kDaemon + "ring_capacity = 1000\n" + kWoo,
                       "daemon: ring_capacity must be a power of two in 1024..16777216, got 1000");
  REQUIRE_ONLY_PROBLEM(kDaemon + "ring_capacity = 512\n" + kWoo,
                       "daemon: ring_capacity must be a power of two in 1024..16777216, got 512");
}

TEST_CASE("a pulse heartbeat below 10 s is rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(venue(kPulse + "heartbeat_s = 5\n"),
                       "venue 'pulse': heartbeat_s must be 10..600 for kind pulse "
                       "(public/set_heartbeat minimum is 10), got 5");
}

TEST_CASE("a kind-specific key on the wrong kind is rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(venue(kPulse + "trades = true\n"),
                       "venue 'pulse': key 'trades' is only valid for kind woo, not pulse");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "interval = \"raw\"\n",
                       "venue 'woo': key 'interval' is only valid for kind pulse, not woo");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "market_ids = { SPOT_BTC_USDT = 1 }\n",
                       "venue 'woo': key 'market_ids' is only valid for kind o2, not woo");
}

TEST_CASE("max_levels below depth is rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "max_levels = 10\n",
                       "venue 'woo': max_levels must be >= depth (20) and <= 100000, got 10");
}

TEST_CASE("max_positions beyond the segment's maximum is rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "max_positions = 4097\n",
                       "venue 'woo': max_positions must be 0..4096, got 4097");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "max_positions = -1\n",
                       "venue 'woo': max_positions must be 0..4096, got -1");
}

TEST_CASE("a bad instance or venue name is rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM("[daemon]\ninstance = \"bad name!\"\n" + kWoo,
                       "daemon: instance must match [A-Za-z0-9_-]{1,31}, got 'bad name!'");
  const std::string long_name(32, 'a');
  REQUIRE_ONLY_PROBLEM("[daemon]\ninstance = \"" + long_name + "\"\n" + kWoo,
                       "daemon: instance must match [A-Za-z0-9_-]{1,31}, got '" + long_name + "'");
  REQUIRE_ONLY_PROBLEM(woo_with("name = \"woo\"", "name = \"wo/o\""),
                       "venue #1: name must match [A-Za-z0-9_-]{1,31}, got 'wo/o'");
}

TEST_CASE("other daemon values out of range are rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(kDaemon + "log_level = \"verbose\"\n" + kWoo,
                       "daemon: log_level must be one of trace, debug, info, warn, error, "
                       "critical, off, got 'verbose'");
  REQUIRE_ONLY_PROBLEM(kDaemon + "stats_interval_s = 0\n" + kWoo,
                       "daemon: stats_interval_s must be 1..3600, got 0");
  REQUIRE_ONLY_PROBLEM(kDaemon + "shm_dir = \"shm\"\n" + kWoo,
                       "daemon: shm_dir must be an absolute path without '..', got 'shm'");
  REQUIRE_ONLY_PROBLEM(kDaemon + "shm_group = \"9x\"\n" + kWoo,
                       "daemon: shm_group must be a group name like 'wirebook', got '9x'");
}

TEST_CASE("other venue values out of range are rejected", "[config]") {
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "cpu = -1\n", "venue 'woo': cpu must be 0..1023, got -1");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "rt_priority = 100\n",
                       "venue 'woo': rt_priority must be 1..99, got 100");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "cpu = 1\nidle = \"busy\"\n",
                       "venue 'woo': idle must be one of block, spin, backoff, got 'busy'");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "cpu = 1\nidle = \"backoff\"\nspin_us = 0\n",
                       "venue 'woo': spin_us must be 1..1000000, got 0");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "idle = \"spin\"\n",
                       "venue 'woo': idle = \"spin\" needs cpu: a spinning venue thread takes a "
                       "whole core and must be pinned to it");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "idle = \"backoff\"\n",
                       "venue 'woo': idle = \"backoff\" needs cpu: a spinning venue thread takes "
                       "a whole core and must be pinned to it");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "heartbeat_s = 61\n",
                       "venue 'woo': heartbeat_s must be 1..60 for kind woo, got 61");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "stale_ms = 50\n",
                       "venue 'woo': stale_ms must be 100..600000, got 50");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "max_frame_bytes = 1024\n",
                       "venue 'woo': max_frame_bytes must be 4096..1073741824, got 1024");
  REQUIRE_ONLY_PROBLEM(venue(kPulse + "interval = \"1s\"\n"),
                       "venue 'pulse': interval must be one of raw, 100ms, got '1s'");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "path_suffix = \"a/b\"\n",
                       "venue 'woo': path_suffix must be 1..128 characters [A-Za-z0-9_-], got "
                       "'a/b'");
}

TEST_CASE("o2 market ids must match the symbols", "[config]") {
  const std::string o2 =
      "name = \"o2\"\nkind = \"o2\"\nurl = \"wss://api.oxygentwo.com/api/v1/ws\"\n"
      "symbols = [\"BTC-USD\", \"ETH-USD\"]\ndepth = 20\n";
  REQUIRE_ONLY_PROBLEM(venue(o2),
                       "venue 'o2': kind o2 needs market_ids (symbol = id) or rest_url to look "
                       "the ids up");
  REQUIRE_ONLY_PROBLEM(venue(o2 + "market_ids = { \"BTC-USD\" = 1 }\n"),
                       "venue 'o2': symbol 'ETH-USD' has no entry in market_ids");
  REQUIRE_PROBLEM(venue(o2 + "market_ids = { \"BTC-USD\" = 1, \"SOL-USD\" = 3 }\n"),
                  "venue 'o2': market_ids names 'SOL-USD', which is not in symbols");
  REQUIRE_ONLY_PROBLEM(venue(o2 + "market_ids = { \"BTC-USD\" = 1, \"ETH-USD\" = 1 }\n"),
                       "venue 'o2': market_ids.ETH-USD: market id 1 is used twice");
  REQUIRE_ONLY_PROBLEM(venue(o2 + "rest_url = \"http://api.oxygentwo.com\"\n"),
                       "venue 'o2': rest_url must be https:// (http:// only to a loopback host), "
                       "got 'http://api.oxygentwo.com'");
}

TEST_CASE("o2 channels are the documented public ones", "[config]") {
  const std::string o2 =
      "name = \"o2\"\nkind = \"o2\"\nurl = \"wss://api.oxygentwo.com/api/v1/ws\"\n"
      "symbols = [\"BTC-USD\"]\ndepth = 20\nmarket_ids = { \"BTC-USD\" = 1 }\n";
  REQUIRE_ONLY_PROBLEM(venue(o2 + "channels = [\"trades\", \"candles\"]\n"),
                       "venue 'o2': channels[1] must be one of trades, ticker, mark_price, "
                       "funding, got 'candles'");
  REQUIRE_ONLY_PROBLEM(venue(o2 + "channels = [\"trades\", 3]\n"),
                       "venue 'o2': channels[1] must be one of trades, ticker, mark_price, "
                       "funding, got an integer");
}

TEST_CASE("venues must be an array of tables and at least one", "[config]") {
  REQUIRE_ONLY_PROBLEM(kDaemon + "[venue]\nname = \"woo\"\n",
                       "config: venue must be an array of tables (write [[venue]]), got a table");
  REQUIRE_ONLY_PROBLEM(kDaemon, "config: at least one [[venue]] is required");
}

TEST_CASE("all problems are reported at once, each prefixed with the source", "[config]") {
  const std::string text =
      "[daemon]\ninstance = \"t1\"\nring_capacity = 3\n" +
      std::string(kWoo).replace(kWoo.find("depth = 20"), 10, "depth = 0\ncolour = 1");
  try {
    (void)parse_config(text, "many.toml", kinds());
    FAIL("accepted");
  } catch (const ConfigError& e) {
    REQUIRE(e.problems().size() == 3);
    const std::string what = e.what();
    REQUIRE(what.find("many.toml: daemon: ring_capacity") != std::string::npos);
    REQUIRE(what.find("many.toml: venue 'woo': depth must be 1..1000, got 0") != std::string::npos);
    REQUIRE(what.find("many.toml: venue 'woo': unknown key 'colour'") != std::string::npos);
  }
}

TEST_CASE("a missing config file is a ConfigError naming the file", "[config]") {
  try {
    (void)load_config("/nonexistent/wirebook.toml", kinds());
    FAIL("accepted");
  } catch (const ConfigError& e) {
    REQUIRE(std::string(e.what()) == "/nonexistent/wirebook.toml: cannot open the config file");
  }
}

TEST_CASE("woo protocol keys are checked: values, v3-only keys, v3 topic limits", "[config]") {
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20", "depth = 20\nprotocol = \"v4\""),
                       "venue 'woo': protocol must be \"v3\" or \"v2\", got 'v4'");
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20", "depth = 20\nprotocol = \"v3\"\nupdate_depth = 100"),
                       "venue 'woo': update_depth must be 50, 200 or 500, got 100");
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20", "depth = 20\nupdate_depth = 50"),
                       "venue 'woo': update_depth applies to protocol v3 only");
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20", "depth = 20\nrest_check_interval_s = 5"),
                       "venue 'woo': rest_check_interval_s applies to protocol v3 only (the v2 "
                       "feed has no REST book to check against)");
  REQUIRE_ONLY_PROBLEM(
      woo_with("depth = 20", "depth = 20\nprotocol = \"v3\"\nrest_check_interval_s = 0"),
      "venue 'woo': rest_check_interval_s must be 1..3600, got 0");
  REQUIRE_NOTHROW(parse_config(
      woo_with("depth = 20", "depth = 20\nprotocol = \"v3\"\nrest_check_interval_s = 1"),
      "test.toml", kinds()));
  {
    std::string eleven;
    for (int i = 0; i < 11; ++i) eleven += (i ? ",\"S" : "\"S") + std::to_string(i) + "\"";
    REQUIRE_ONLY_PROBLEM(
        woo_with("symbols = [\"SPOT_BTC_USDT\"]",
                 "symbols = [" + eleven + "]\nprotocol = \"v3\"\nrest_check_interval_s = 2"),
        "venue 'woo': rest_check_interval_s = 2 with 11 symbols asks more than 5 REST books a "
        "second (half of WOO's 10/s limit); raise it to at least 3");
  }
  REQUIRE_ONLY_PROBLEM(woo_with("depth = 20", "depth = 20\nprotocol = \"v3\"\ntrades = true"),
                       "venue 'woo': trades is not supported with protocol v3 (use protocol = "
                       "\"v2\")");
  REQUIRE_ONLY_PROBLEM(
      woo_with("depth = 20", "depth = 20\nprotocol = \"v3\"\nrest_url = \"http://api.woox.io\""),
      "venue 'woo': rest_url must be https:// (http:// only to a loopback host), got "
      "'http://api.woox.io'");
  std::string syms;
  for (int i = 0; i < 51; ++i) syms += (i ? ",\"S" : "\"S") + std::to_string(i) + "\"";
  REQUIRE_ONLY_PROBLEM(
      woo_with("symbols = [\"SPOT_BTC_USDT\"]",
               "symbols = [" + syms + "]\nprotocol = \"v3\"\nbbo = true"),
      "venue 'woo': protocol v3 takes at most 100 topics per connection; 51 symbols with bbo "
      "need 102 (split the symbols over more venues)");
}

TEST_CASE("a rate limit without its window (or a window alone) is named", "[config]") {
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "connect_limit = 4\n",
                       "venue 'woo': connect_limit and connect_limit_window_ms go together");
  REQUIRE_ONLY_PROBLEM(kDaemon + kWoo + "rest_limit_window_ms = 1000\n",
                       "venue 'woo': rest_limit and rest_limit_window_ms go together");
}

TEST_CASE("[[consolidated]] members must name an enabled venue and one of its symbols",
          "[config]") {
  const std::string base = kDaemon + kWoo + "\n[[venue]]\n" + kPulse;
  auto with = [&](const std::string& table) { return base + "\n[[consolidated]]\n" + table; };
  REQUIRE_PROBLEM(with("name = \"BTC\"\nmembers = [\"woo:SPOT_BTC_USDT\", \"ocx:BTC-PERP\"]\n"),
                  "consolidated #1: member 'ocx:BTC-PERP': no [[venue]] is named 'ocx'");
  REQUIRE_PROBLEM(with("name = \"BTC\"\nmembers = [\"woo:PERP_BTC_USDT\"]\n"),
                  "consolidated #1: member 'woo:PERP_BTC_USDT': 'PERP_BTC_USDT' is not one of "
                  "venue 'woo' symbols");
  REQUIRE_PROBLEM(with("name = \"BTC\"\nmembers = [\"SPOT_BTC_USDT\"]\n"),
                  "consolidated #1: member 'SPOT_BTC_USDT' must be written \"venue:symbol\"");
  REQUIRE_PROBLEM(
      with("name = \"BTC\"\nmembers = [\"woo:SPOT_BTC_USDT\", \"woo:SPOT_BTC_USDT\"]\n"),
      "consolidated #1: member 'woo:SPOT_BTC_USDT' is listed twice");
  REQUIRE_PROBLEM(with("name = \"BTC\"\nmembers = []\n"),
                  "consolidated #1: members must list 1..16 \"venue:symbol\" entries, got 0");
  REQUIRE_PROBLEM(with("members = [\"woo:SPOT_BTC_USDT\"]\n"),
                  "consolidated #1: missing required key 'name'");
  REQUIRE_PROBLEM(with("name = \"B T C\"\nmembers = [\"woo:SPOT_BTC_USDT\"]\n"),
                  "consolidated #1: name must be 1..47 printable characters without spaces, got "
                  "'B T C'");
  REQUIRE_PROBLEM(with("name = \"BTC\"\nmembers = [\"woo:SPOT_BTC_USDT\"]\nmember = 1\n"),
                  "consolidated #1: unknown key 'member' (did you mean 'members'?)");
  REQUIRE_PROBLEM(
      with("name = \"BTC\"\nmembers = [\"woo:SPOT_BTC_USDT\"]\n") +
          "\n[[consolidated]]\nname = \"BTC\"\nmembers = [\"pulse:BTC_USD-PERPETUAL\"]\n",
      "consolidated #2: duplicate name 'BTC'");
  const std::string disabled =
      kDaemon + kWoo + "enabled = false\n\n[[venue]]\n" + kPulse +
      "\n[[consolidated]]\nname = \"BTC\"\nmembers = [\"woo:SPOT_BTC_USDT\"]\n";
  REQUIRE_PROBLEM(disabled,
                  "consolidated #1: member 'woo:SPOT_BTC_USDT': venue 'woo' is disabled (remove "
                  "the member or enable the venue)");
  REQUIRE_PROBLEM("consolidated = 1\n" + base,
                  "config: consolidated must be an array of tables (write [[consolidated]]), got "
                  "an integer");
}
