// End to end (issue 20): simulator -> wirebookd -> bridge -> nats-server ->
// mirror -> readers. At quiescence `wirebook dump --json` of the mirror
// instance equals the source instance's, book for book, and for OX.FUN (a
// logged-in session with a position script) `wirebook positions --json` too.
#include <catch2/catch.hpp>

#include <functional>

#include "tests/nats/nats_harness.hpp"

using namespace wirebook::nats_test;
namespace shm = wirebook::shm;

namespace {

// One venue of the source daemon, served by `wirebook sim`.
struct DaemonVenue {
  std::string kind;
  std::vector<std::string> symbols;
  std::vector<std::string> sim_args;  // beyond --venue, --rate, --frames and the ports
  std::string config_lines;           // beyond name, kind, url, symbols and depth
  std::vector<std::string> env;       // the daemon's environment (credentials by reference)
  // The low-latency modes, one per case (each spins a core): the bridge's
  // --idle-us 0 and the mirror's --spin.
  std::vector<std::string> bridge_args;
  std::vector<std::string> mirror_args;
};

DaemonVenue woo_venue() {
  return {"woo", {"SPOT_BTC_USDT", "PERP_BTC_USDT", "SPOT_ETH_USDT"}, {}, "", {}, {}, {"--spin"}};
}

// Logged in with positions on: the simulator's script opens, increases,
// flips and closes one position per market, one step a second (12 s for
// 3 markets), bridged as it changes.
// Its books are not STALE when the market ends (stale_ms): quiescence is LIVE.
DaemonVenue oxfun_venue() {
  return {"oxfun",
          {"BTC-USD-SWAP-LIN", "ETH-USD-SWAP-LIN"},
          {"--symbols", "3", "--set", "oxfun.api_key=desk-3", "--set",
           "oxfun.api_secret=mirror test secret", "--set", "oxfun.position_ms=1000"},
          "positions = true\nstale_ms = 600000\napi_key_env = \"WB_TEST_OX_KEY\"\n"
          "api_secret_env = \"WB_TEST_OX_SECRET\"\n",
          {"WB_TEST_OX_KEY=desk-3", "WB_TEST_OX_SECRET=mirror test secret"},
          {"--idle-us", "0"},
          {}};
}

// `wirebook sim` serving the venue over ws://: its market waits for the
// daemon's subscriptions, runs 3,000 book events at --rate 1000 (a few
// seconds, bridged as they come), then idles with the connection open.
std::unique_ptr<Child> start_sim(const TempDir& tmp, const DaemonVenue& v, std::string& url) {
  std::vector<std::string> argv{env_or_fail("WIREBOOK_CLI"),
                                "sim",
                                "--venue",
                                v.kind,
                                "--rate",
                                "1000",
                                "--frames",
                                "3000",
                                "--linger-ms",
                                "120000",
                                "--ws-port",
                                v.kind + "=0",
                                "--wss-port",
                                v.kind + "=-1",
                                "--ca-out",
                                tmp.file("ca.pem")};
  argv.insert(argv.end(), v.sim_args.begin(), v.sim_args.end());
  auto sim = std::make_unique<Child>(argv, tmp.file("sim.out"), tmp.file("sim.err"));
  if (!wait_until([&] { return sim->out().find("WIREBOOK_SIM_READY") != std::string::npos; },
                  30s)) {
    throw std::runtime_error("simulator did not start:\n" + sim->err());
  }
  const std::string out = sim->out();
  const std::string tag = "WIREBOOK_SIM " + v.kind + " ";
  const auto at = out.find(tag + "ws://");
  url = out.substr(at + tag.size(), out.find('\n', at) - at - tag.size());
  return sim;
}

std::string config_text(const TempDir& tmp, const DaemonVenue& v, const std::string& url) {
  std::string symbols;
  for (const auto& s : v.symbols) symbols += (symbols.empty() ? "\"" : ", \"") + s + "\"";
  return "[daemon]\ninstance = \"t\"\nshm_dir = \"" + tmp.file("shm") + "\"\n[[venue]]\nname = \"" +
         v.kind + "\"\nkind = \"" + v.kind + "\"\nurl = \"" + url + "\"\nsymbols = [" + symbols +
         "]\ndepth = 10\nconnect_timeout_ms = 1000\n" + v.config_lines;
}

std::size_t live_books(const std::string& dir, const std::string& venue) {
  shm::VenueReader r;
  if (shm::VenueReader::open(dir, venue, r) != shm::OpenError::ok) return 0;
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < r.instrument_count(); ++i) {
    shm::Bbo b;
    if (r.read_bbo(i, b) == shm::ReadResult::ok && b.status == shm::Status::live) ++n;
  }
  return n;
}

std::size_t count_of(const std::string& text, const std::string& key) {
  std::size_t n = 0;
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) ++n;
  return n;
}

// What the source's readers see: books, then positions.
std::string instance_view(const TempDir& tmp, const std::string& dir) {
  return dump(tmp, dir) + "positions:\n" + positions(tmp, dir);
}

std::uint64_t summary_count(const std::string& summary, const std::string& what) {
  const auto at = summary.find(" " + what);
  if (at == std::string::npos) return 0;
  const auto from = summary.rfind(' ', at - 1) + 1;
  return std::stoull(summary.substr(from, at - from));
}

// Runs the chain for one venue and returns the source's view at quiescence
// (the mirror's equal to it) with the bridge's exit summary.
struct Chain {
  std::string view;
  std::string bridge_summary;
};

Chain run_chain(const DaemonVenue& v, const std::function<bool(const std::string&)>& settled) {
  TempDir tmp;
  NatsServer server(tmp, free_port());
  std::string url;
  auto sim = start_sim(tmp, v, url);
  const std::string cfg = tmp.write("wirebook.toml", config_text(tmp, v, url));
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"),
               v.env);
  const std::string src = tmp.file("shm") + "/t";
  const std::string mir = tmp.file("mir");
  // The bridge and the mirror join as soon as the daemon's segments exist,
  // so they see the books come LIVE and every position change, however long
  // the daemon takes to get there on a loaded machine.
  const bool created = wait_until(
      [&] {
        shm::InstanceReader inst;
        shm::VenueReader venue;
        return shm::InstanceReader::open(src, inst) == shm::OpenError::ok &&
               shm::VenueReader::open(src, v.kind, venue) == shm::OpenError::ok;
      },
      60s);
  INFO("wirebookd:\n" << daemon.err());
  REQUIRE(created);
  std::vector<std::string> bridge_argv{"bridge", "--instance", "t",         "--dir",
                                       src,      "--nats",     server.url()};
  bridge_argv.insert(bridge_argv.end(), v.bridge_args.begin(), v.bridge_args.end());
  std::vector<std::string> mirror_argv{"mirror",     "--source",  "t",    "--instance",
                                       "tm",         "--dir",     mir,    "--nats",
                                       server.url(), "--wait-ms", "30000"};
  mirror_argv.insert(mirror_argv.end(), v.mirror_args.begin(), v.mirror_args.end());
  auto bridge = start_cli(tmp, "bridge", bridge_argv);
  auto mirror = start_cli(tmp, "mirror", mirror_argv);
  REQUIRE(wait_until([&] { return live_books(src, v.kind) == v.symbols.size(); }, 60s));
  // Quiescence: the simulator's market and script have ended (it lingers
  // with the connection open) when two views in a row are equal, settled
  // and every book LIVE.
  std::string before;
  std::string a;
  const bool quiet = wait_until(
      [&] {
        a = instance_view(tmp, src);
        const bool still = a == before && settled(a) && live_books(src, v.kind) == v.symbols.size();
        before = a;
        return still;
      },
      90s);
  INFO("source at the end:\n" << a << "wirebookd:\n" << daemon.err());
  REQUIRE(quiet);
  std::string b;
  const bool equal = wait_until(
      [&] {
        b = instance_view(tmp, mir);
        return b == a;
      },
      60s);
  INFO("source:\n"
       << a << "mirror:\n"
       << b << "bridge:\n"
       << bridge->err() << "mirror:\n"
       << mirror->err());
  REQUIRE(equal);
  bridge->signal(SIGTERM);
  REQUIRE(bridge->wait(20s) == 0);
  const std::string log = daemon.err() + bridge->err() + mirror->err();
  for (const auto& e : v.env) CHECK(log.find(e.substr(e.find('=') + 1)) == std::string::npos);
  return {a, bridge->err()};
}

}  // namespace

TEST_CASE("simulator -> wirebookd -> bridge -> nats-server -> mirror: dump --json equal",
          "[nats][e2e]") {
  const DaemonVenue v = woo_venue();
  const Chain c = run_chain(v, [](const std::string&) { return true; });
  INFO(c.view << c.bridge_summary);
  CHECK(count_of(c.view, "\"status\":\"live\"") == v.symbols.size());
  // The books were bridged while the market moved, not only at the end.
  CHECK(summary_count(c.bridge_summary, "book records") > 100);
}

TEST_CASE("OX.FUN positions: wirebookd -> bridge -> mirror, positions --json equal",
          "[nats][e2e][positions]") {
  const DaemonVenue v = oxfun_venue();
  // The script's end: every position (one per simulator market, subscribed
  // or not) closed after its fourth update.
  const auto script_done = [](const std::string& view) {
    const std::string p = view.substr(view.find("positions:\n"));
    return count_of(p, "\"quantity\":\"0\"") == 3 && count_of(p, "\"updates\":4,") == 3;
  };
  const Chain c = run_chain(v, script_done);
  INFO(c.view << c.bridge_summary);
  CHECK(count_of(c.view, "\"status\":\"live\"") == v.symbols.size());
  CHECK(summary_count(c.bridge_summary, "book records") > 100);
  // The positions went through as they changed, not only as the final set.
  CHECK(summary_count(c.bridge_summary, "position records") > 3);
}
