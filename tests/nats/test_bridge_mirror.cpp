// The bridge and the mirror as real processes over a real nats-server:
// mirrored dumps equal the source's, and no LIVE mirrored book is ever wrong,
// through laps, kills, a broker restart and a late or restarted mirror.
#include <catch2/catch.hpp>

#include "tests/nats/nats_harness.hpp"

using namespace wirebook::nats_test;
namespace shm = wirebook::shm;

namespace {

struct Rig {
  TempDir tmp;
  std::string src = tmp.file("shm-src");
  std::string mir = tmp.file("shm-mir");
  NatsServer server{tmp, free_port()};

  std::vector<std::string> bridge_args() const {
    return {"bridge", "--instance",     "src",        "--dir",
            src,      "--nats",         server.url(), "--snapshot-interval-ms",
            "1000",   "--heartbeat-ms", "100"};
  }
  std::vector<std::string> mirror_args() const {
    return {"mirror", "--source",   "src",        "--instance", "mir",       "--dir", mir,
            "--nats", server.url(), "--stale-ms", "500",        "--wait-ms", "30000"};
  }
  // Waits for the mirror's dump to equal the source's; returns the last pair.
  bool converged(std::string& a, std::string& b) {
    return wait_until(
        [&] {
          a = dump(tmp, src);
          b = dump(tmp, mir);
          return !a.empty() && a == b;
        },
        60s);
  }
};

std::size_t lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// "N resets" etc. from a summary line on stderr.
std::uint64_t counter(const std::string& text, const std::string& name) {
  const auto at = text.find(" " + name);
  if (at == std::string::npos) return 0;
  auto start = text.rfind(' ', at - 1);
  return std::stoull(text.substr(start + 1, at - start - 1));
}

}  // namespace

TEST_CASE("bridge and mirror: the mirror's dump equals the source's and LIVE books are exact",
          "[nats]") {
  Rig rig;
  auto source = start_source(rig.tmp, rig.src, "30000", "15000");
  auto bridge = start_cli(rig.tmp, "bridge", rig.bridge_args());
  auto mirror = start_cli(rig.tmp, "mirror", rig.mirror_args());
  Checker checker(rig.mir);
  REQUIRE(wait_until([&] { return source->out().find("DONE") != std::string::npos; }, 60s));
  std::string a, b;
  const bool equal = rig.converged(a, b);
  INFO("source:\n"
       << a << "mirror:\n"
       << b << "bridge:\n"
       << bridge->err() << "mirror log:\n"
       << mirror->err());
  REQUIRE(equal);
  CHECK(lines(a) == total_books());
  CHECK(books_with(rig.mir, shm::Status::live) == total_books());
  CHECK(checker.violations() == 0);
  INFO(checker.first_violation());
  CHECK(checker.trusted_reads() > 100);
  mirror->signal(SIGTERM);
  bridge->signal(SIGTERM);
  CHECK(mirror->wait(20s) == 0);
  CHECK(bridge->wait(20s) == 0);
  // Graceful stop: the mirror's books DISCONNECTED, its segments CLOSED.
  CHECK(books_with(rig.mir, shm::Status::disconnected) == total_books());
}

TEST_CASE("a bridge lapped by a small fast ring announces RESETs and the mirror still converges",
          "[nats]") {
  Rig rig;
  // 50,000 publications as fast as possible through a 64-record ring: the
  // initial snapshots alone (about 100 events) overwrite seq 1 before the
  // bridge starts there, so it is overrun at least once. The updates wait
  // until the mirror is up, so the laps they cause come after the snapshots
  // it loaded and reach it as RESETs (the start's RESET may precede them).
  auto source = start_source(rig.tmp, rig.src, "50000", "0", "64", /*gated=*/true);
  auto bridge = start_cli(rig.tmp, "bridge", rig.bridge_args());
  auto mirror = start_cli(rig.tmp, "mirror", rig.mirror_args());
  REQUIRE(wait_until([&] { return books_with(rig.mir, shm::Status::live) == total_books(); }, 60s));
  source->signal(SIGUSR2);
  Checker checker(rig.mir);
  REQUIRE(wait_until([&] { return source->out().find("DONE") != std::string::npos; }, 30s));
  std::string a, b;
  const bool equal = rig.converged(a, b);
  INFO("source:\n" << a << "mirror:\n" << b);
  REQUIRE(equal);
  mirror->signal(SIGTERM);
  bridge->signal(SIGTERM);
  REQUIRE(mirror->wait(20s) == 0);
  REQUIRE(bridge->wait(20s) == 0);
  INFO("bridge: " << bridge->err() << "mirror: " << mirror->err());
  CHECK(counter(bridge->err(), "laps") >= 1);
  CHECK(counter(mirror->err(), "resets") >= 1);
  CHECK(checker.violations() == 0);
  INFO(checker.first_violation());
  CHECK(checker.trusted_reads() > 0);
}

namespace {

// Publications the source has made so far (sum of its books' update counts).
std::uint64_t source_updates(const std::string& dir) {
  std::uint64_t n = 0;
  for (const auto& v : source_venues()) {
    shm::VenueReader r;
    if (shm::VenueReader::open(dir, v.name, r) != shm::OpenError::ok) continue;
    for (std::uint32_t i = 0; i < r.instrument_count(); ++i) {
      shm::BookView view;
      if (r.read_book(i, view, nullptr, nullptr, 0) == shm::ReadResult::ok) n += view.update_count;
    }
  }
  return n;
}

std::int64_t ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

}  // namespace

TEST_CASE(
    "faults: a late mirror, the bridge and the mirror killed with -9, the broker restarted: "
    "never LIVE while wrong, and the mirror ends equal",
    "[nats]") {
  Rig rig;
  auto source = start_source(rig.tmp, rig.src, "0", "2000");
  auto bridge = start_cli(rig.tmp, "bridge", rig.bridge_args());
  // The mirror joins late: thousands of publications are already in the stream.
  REQUIRE(wait_until([&] { return source_updates(rig.src) >= 3000; }, 30s));
  auto mirror = start_cli(rig.tmp, "mirror", rig.mirror_args());
  Checker checker(rig.mir);
  const auto all = [&](shm::Status s) {
    return [&rig, s] { return books_with(rig.mir, s) == total_books(); };
  };
  // On failure, the logs of every process so far.
  const auto logs = [&] {
    std::string out;
    for (const char* f :
         {"bridge.err", "bridge2.err", "mirror.err", "mirror2.err", "nats1.err", "nats2.err"}) {
      out += std::string("\n== ") + f + "\n" + wirebook::testproc::read_file(rig.tmp.file(f));
    }
    return out;
  };
  const auto expect = [&](bool ok, const char* what) {
    if (!ok) FAIL(what << logs());
  };
  expect(wait_until(all(shm::Status::live), 30s), "late mirror never LIVE");

  // A dead bridge: every book STALE within --stale-ms (500) plus the 20 ms poll.
  bridge->signal(SIGKILL);
  REQUIRE(bridge->wait(10s) == 128 + SIGKILL);
  auto t0 = std::chrono::steady_clock::now();
  expect(wait_until(all(shm::Status::stale), 10s), "books not STALE after the bridge died");
  CHECK(ms_since(t0) <= 500 + 500);  // bound + scheduling margin on a loaded host
  bridge = start_cli(rig.tmp, "bridge2", rig.bridge_args());
  expect(wait_until(all(shm::Status::live), 30s), "not LIVE after the bridge restarted");

  // The mirror killed mid-stream and started again: new segments, same books.
  mirror->signal(SIGKILL);
  REQUIRE(mirror->wait(10s) == 128 + SIGKILL);
  mirror = start_cli(rig.tmp, "mirror2", rig.mirror_args());
  expect(wait_until(all(shm::Status::live), 30s), "restarted mirror never LIVE");

  // The broker restarted (file storage): books leave LIVE at once, then recover.
  rig.server.stop();
  expect(wait_until([&] { return books_with(rig.mir, shm::Status::live) == 0; }, 10s),
         "books still LIVE with the broker down");
  rig.server.start();
  expect(wait_until(all(shm::Status::live), 60s), "not LIVE after the broker restart");

  source->signal(SIGUSR1);
  REQUIRE(wait_until([&] { return source->out().find("DONE") != std::string::npos; }, 30s));
  std::string a, b;
  const bool equal = rig.converged(a, b);
  INFO("source:\n" << a << "mirror:\n" << b);
  expect(equal, "mirror dump differs from the source's");
  CHECK(checker.violations() == 0);
  INFO(checker.first_violation());
  CHECK(checker.trusted_reads() > 100);

  // A dead source writer: every mirrored book DISCONNECTED within the bridge's
  // 50 ms liveness check plus its 100 ms heartbeat.
  source->signal(SIGKILL);
  t0 = std::chrono::steady_clock::now();
  expect(wait_until(all(shm::Status::disconnected), 10s), "not DISCONNECTED after the source died");
  CHECK(ms_since(t0) <= 150 + 500);

  // The source restarted: a new generation (versions start again), announced
  // by a RESET; the mirror follows and ends equal again.
  source = start_source(rig.tmp, rig.src, "3000", "3000");
  REQUIRE(wait_until([&] { return source->out().find("DONE") != std::string::npos; }, 30s));
  expect(rig.converged(a, b), "mirror differs after the source restarted");
  CHECK(checker.violations() == 0);
}

TEST_CASE(
    "credentials by reference: a token from an environment variable or a file works, a wrong "
    "one is refused, and no token ever reaches a log",
    "[nats]") {
  const std::string token = "s3cr3t-t0ken-4711";
  const std::string wrong = "wr0ng-t0ken-0815";
  ::setenv("WB_TEST_TOKEN", token.c_str(), 1);
  TempDir tmp;
  NatsServer server(tmp, free_port(), token);
  const std::string src = tmp.file("shm-src");
  auto source = start_source(tmp, src, "0", "500");
  // A refused token: exit 7 without retrying for ever, the token not logged.
  const auto refused = wirebook::testproc::run(
      {env_or_fail("WIREBOOK_CLI"), "bridge", "--instance", "src", "--dir", src, "--nats",
       server.url(), "--token-file", tmp.write("wrong", wrong + "\n")},
      tmp.path(), 60s);
  INFO(refused.err);
  CHECK(refused.status == 7);
  CHECK(refused.err.find("uthoriz") != std::string::npos);
  CHECK(refused.err.find(wrong) == std::string::npos);
  auto bridge = start_cli(tmp, "bridge",
                          {"bridge", "--instance", "src", "--dir", src, "--nats", server.url(),
                           "--token-env", "WB_BRIDGE_TOKEN"},
                          {"WB_BRIDGE_TOKEN=" + token});
  auto mirror = start_cli(tmp, "mirror",
                          {"mirror", "--source", "src", "--dir", tmp.file("shm-mir"), "--nats",
                           server.url(), "--token-file", tmp.write("token", token + "\n")});
  CHECK(wait_until(
      [&] { return books_with(tmp.file("shm-mir"), shm::Status::live) == total_books(); }, 30s));
  mirror->signal(SIGTERM);
  bridge->signal(SIGTERM);
  CHECK(mirror->wait(20s) == 0);
  CHECK(bridge->wait(20s) == 0);
  for (const std::string& log : {bridge->err(), mirror->err(), bridge->out(), mirror->out()}) {
    CHECK(log.find(token) == std::string::npos);
  }
}
