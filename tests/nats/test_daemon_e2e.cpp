// End to end (issue 20): simulator -> wirebookd -> bridge -> nats-server ->
// mirror -> readers. At quiescence `wirebook dump --json` of the mirror
// instance equals the source instance's, book for book.
#include <catch2/catch.hpp>

#include "tests/nats/nats_harness.hpp"

using namespace wirebook::nats_test;
namespace shm = wirebook::shm;

namespace {

const std::vector<std::string> kSymbols = {"SPOT_BTC_USDT", "PERP_BTC_USDT", "SPOT_ETH_USDT"};

// `wirebook sim` serving WOO over ws://: its market waits for the daemon's
// three subscriptions, runs 20,000 book events at --rate 1000 (a few
// seconds: the bridge and the mirror join mid-stream), then idles with the
// connection open.
std::unique_ptr<Child> start_sim(const TempDir& tmp, std::string& url) {
  auto sim = std::make_unique<Child>(
      std::vector<std::string>{env_or_fail("WIREBOOK_CLI"), "sim", "--venue", "woo", "--rate",
                               "1000", "--frames", "3000", "--linger-ms", "120000", "--ws-port",
                               "woo=0", "--wss-port", "woo=-1", "--ca-out", tmp.file("ca.pem")},
      tmp.file("sim.out"), tmp.file("sim.err"));
  if (!wait_until([&] { return sim->out().find("WIREBOOK_SIM_READY") != std::string::npos; },
                  30s)) {
    throw std::runtime_error("simulator did not start:\n" + sim->err());
  }
  const std::string out = sim->out();
  const std::string tag = "WIREBOOK_SIM woo ";
  const auto at = out.find(tag + "ws://");
  url = out.substr(at + tag.size(), out.find('\n', at) - at - tag.size());
  return sim;
}

std::string config_text(const TempDir& tmp, const std::string& url) {
  std::string symbols;
  for (const auto& s : kSymbols) symbols += (symbols.empty() ? "\"" : ", \"") + s + "\"";
  return "[daemon]\ninstance = \"t\"\nshm_dir = \"" + tmp.file("shm") +
         "\"\n[[venue]]\nname = \"woo\"\nkind = \"woo\"\nurl = \"" + url + "\"\nsymbols = [" +
         symbols + "]\ndepth = 10\nconnect_timeout_ms = 1000\n";
}

std::size_t live_books(const std::string& dir) {
  shm::VenueReader r;
  if (shm::VenueReader::open(dir, "woo", r) != shm::OpenError::ok) return 0;
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < r.instrument_count(); ++i) {
    shm::Bbo b;
    if (r.read_bbo(i, b) == shm::ReadResult::ok && b.status == shm::Status::live) ++n;
  }
  return n;
}

std::size_t books_with_status(const std::string& dump, const std::string& status) {
  std::size_t n = 0;
  const std::string key = "\"status\":\"" + status + "\"";
  for (std::size_t at = dump.find(key); at != std::string::npos; at = dump.find(key, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("simulator -> wirebookd -> bridge -> nats-server -> mirror: dump --json equal",
          "[nats][e2e]") {
  TempDir tmp;
  NatsServer server(tmp, free_port());
  std::string url;
  auto sim = start_sim(tmp, url);
  const std::string cfg = tmp.write("wirebook.toml", config_text(tmp, url));
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"));
  const std::string src = tmp.file("shm") + "/t";
  const std::string mir = tmp.file("mir");
  INFO("wirebookd:\n" << daemon.err());
  REQUIRE(wait_until([&] { return live_books(src) == kSymbols.size(); }, 60s));
  auto bridge =
      start_cli(tmp, "bridge", {"bridge", "--instance", "t", "--dir", src, "--nats", server.url()});
  auto mirror = start_cli(tmp, "mirror",
                          {"mirror", "--source", "t", "--instance", "tm", "--dir", mir, "--nats",
                           server.url(), "--wait-ms", "30000"});
  // Quiescence: the simulator's market has stopped (it lingers with the
  // connection open) when two dumps in a row are equal with every book LIVE.
  std::string before;
  std::string a;
  REQUIRE(wait_until(
      [&] {
        a = dump(tmp, src);
        const bool still = a == before && live_books(src) == kSymbols.size();
        before = a;
        return still;
      },
      90s));
  std::string b;
  const bool equal = wait_until(
      [&] {
        b = dump(tmp, mir);
        return b == a;
      },
      60s);
  INFO("source:\n"
       << a << "mirror:\n"
       << b << "bridge:\n"
       << bridge->err() << "mirror:\n"
       << mirror->err());
  REQUIRE(equal);
  CHECK(std::count(a.begin(), a.end(), '\n') == static_cast<long>(kSymbols.size()));
  CHECK(books_with_status(a, "live") == kSymbols.size());
  // The books were bridged while the market moved, not only at the end.
  bridge->signal(SIGTERM);
  REQUIRE(bridge->wait(20s) == 0);
  const std::string summary = bridge->err();
  const auto at = summary.find(" book records");
  REQUIRE(at != std::string::npos);
  const auto from = summary.rfind(' ', at - 1) + 1;
  INFO(summary);
  CHECK(std::stoull(summary.substr(from, at - from)) > 100);
}
