// The bridge and the mirror as real processes over a real nats-server:
// mirrored dumps and positions equal the source's, no LIVE mirrored book and
// no known mirrored position is ever wrong, through laps, kills, a broker
// restart, a late or restarted mirror and malformed messages.
#include <catch2/catch.hpp>

#include "tests/nats/nats_harness.hpp"
#include "tools/nats/subjects.hpp"
#include "tools/nats/wire.hpp"

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
  // Books (`dump --json`) and positions (`positions --json`) of an instance.
  std::string state(const std::string& dir) const {
    return dump(tmp, dir) + "positions:\n" + positions(tmp, dir);
  }
  // Waits for the mirror's books and positions to equal the source's;
  // returns the last pair.
  bool converged(std::string& a, std::string& b) {
    return wait_until(
        [&] {
          a = state(src);
          b = state(mir);
          return a == b;
        },
        60s);
  }
};

std::size_t lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// "N resets" etc. from a summary line on stderr.
std::uint64_t counter(const std::string& text, const std::string& name) {
  const auto at = text.rfind(" " + name);  // the summary is the last line
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
  CHECK(lines(dump(rig.tmp, rig.src)) == total_books());
  // The dumps compared hold reference data (every 5th update): equal above.
  CHECK(a.find("\"reference\":{\"mark_price\"") != std::string::npos);
  CHECK(a.find("\"index_price\"") != std::string::npos);
  CHECK(books_with(rig.mir, shm::Status::live) == total_books());
  // Every position of both venues appeared (two at the start, three during
  // the updates) and shows its values on the mirror.
  CHECK(position_count(rig.src).used == 5);
  CHECK(position_count(rig.mir).known == 5);
  CHECK(checker.violations() == 0);
  INFO(checker.first_violation());
  CHECK(checker.trusted_reads() > 100);
  CHECK(checker.known_position_reads() > 100);
  mirror->signal(SIGTERM);
  bridge->signal(SIGTERM);
  CHECK(mirror->wait(20s) == 0);
  CHECK(bridge->wait(20s) == 0);
  // Graceful stop: the mirror's books DISCONNECTED, its positions unknown,
  // its segments CLOSED.
  CHECK(books_with(rig.mir, shm::Status::disconnected) == total_books());
  CHECK(position_count(rig.mir).used == 5);
  CHECK(position_count(rig.mir).known == 0);
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
  CHECK(checker.known_position_reads() > 0);
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
  // Its positions came from the positions snapshot plus the replay.
  const auto positions_known = [&] {
    const std::size_t used = position_count(rig.src).used;
    return used > 0 && position_count(rig.mir).known == used;
  };
  expect(wait_until(positions_known, 30s), "late mirror's positions never known");

  // A dead bridge: every book STALE and every position unknown within
  // --stale-ms (500) plus the 20 ms poll.
  bridge->signal(SIGKILL);
  REQUIRE(bridge->wait(10s) == 128 + SIGKILL);
  auto t0 = std::chrono::steady_clock::now();
  expect(wait_until(
             [&] {
               return books_with(rig.mir, shm::Status::stale) == total_books() &&
                      position_count(rig.mir).known == 0;
             },
             10s),
         "books not STALE or positions still known after the bridge died");
  CHECK(ms_since(t0) <= 500 + 500);  // bound + scheduling margin on a loaded host
  bridge = start_cli(rig.tmp, "bridge2", rig.bridge_args());
  expect(wait_until(all(shm::Status::live), 30s), "not LIVE after the bridge restarted");

  // The mirror killed mid-stream and started again: new segments, same books.
  mirror->signal(SIGKILL);
  REQUIRE(mirror->wait(10s) == 128 + SIGKILL);
  mirror = start_cli(rig.tmp, "mirror2", rig.mirror_args());
  expect(wait_until(all(shm::Status::live), 30s), "restarted mirror never LIVE");
  expect(wait_until(positions_known, 30s), "restarted mirror's positions never known");

  // The broker restarted (file storage): books leave LIVE at once, then recover.
  rig.server.stop();
  expect(wait_until(
             [&] {
               return books_with(rig.mir, shm::Status::live) == 0 &&
                      position_count(rig.mir).known == 0;
             },
             10s),
         "books still LIVE or positions known with the broker down");
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
  expect(wait_until(
             [&] {
               return books_with(rig.mir, shm::Status::disconnected) == total_books() &&
                      position_count(rig.mir).known == 0;
             },
             10s),
         "not DISCONNECTED, or positions still known, after the source died");
  CHECK(ms_since(t0) <= 150 + 500);

  // The source restarted: a new generation (versions start again), announced
  // by a RESET; the mirror follows and ends equal again.
  source = start_source(rig.tmp, rig.src, "3000", "3000");
  REQUIRE(wait_until([&] { return source->out().find("DONE") != std::string::npos; }, 30s));
  expect(rig.converged(a, b), "mirror differs after the source restarted");
  CHECK(checker.violations() == 0);
  CHECK(checker.known_position_reads() > 100);
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

namespace {

// Positions showing values on the mirror that are not the source's current
// content of the same slot (name, update count, every field, times).
std::size_t known_positions_differing(const std::string& src, const std::string& mir) {
  std::size_t n = 0;
  for (const auto& v : source_venues()) {
    shm::VenueReader s;
    shm::VenueReader m;
    if (shm::VenueReader::open(src, v.name, s) != shm::OpenError::ok ||
        shm::VenueReader::open(mir, v.name, m) != shm::OpenError::ok) {
      continue;
    }
    for (std::uint32_t slot = 0; slot < m.position_count(); ++slot) {
      shm::Position want;
      shm::Position got;
      if (m.read_position(slot, got) != shm::ReadResult::ok || got.known == 0) continue;
      const bool same = s.read_position(slot, want) == shm::ReadResult::ok &&
                        std::string_view(got.instrument) == want.instrument &&
                        got.update_count == want.update_count && same_fields(got, want) &&
                        got.ts_exchange_ns == want.ts_exchange_ns &&
                        got.ts_publish_ns == want.ts_publish_ns;
      if (!same) ++n;
    }
  }
  return n;
}

// A client of the test's own, publishing into the bridge's streams.
struct Injector {
  std::unique_ptr<wirebook::nats::Client> client;
  explicit Injector(const std::string& url) {
    wirebook::nats::ConnectOptions o;
    o.urls = {url};
    std::string err;
    client = wirebook::nats::Client::connect(
        o, [](std::string_view, bool, std::uint64_t) {}, 10000, err);
    if (client == nullptr) throw std::runtime_error("injector: " + err);
  }
  std::string last(const std::string& stream, const std::string& subject) {
    wirebook::nats::StoredMsg m;
    std::string err;
    if (client->last_message(stream, subject, m, err) != 1) {
      throw std::runtime_error("nothing on " + subject + " " + err);
    }
    return m.data;
  }
  void publish(const std::string& subject, const std::string& data) {
    std::string err;
    if (!client->publish_async(subject, data, "", err) || !client->flush_async(10000)) {
      throw std::runtime_error("inject on " + subject + ": " + err);
    }
  }
};

}  // namespace

TEST_CASE(
    "malformed messages: a foreign-version or truncated EVENTS message and a truncated positions "
    "snapshot are counted and logged, never a crash, and the mirror ends equal",
    "[nats]") {
  Rig rig;
  auto source = start_source(rig.tmp, rig.src, "2000", "4000");
  // No periodic snapshot during the test: the truncated positions snapshot
  // stays the last message on its subject until the bridge is restarted.
  std::vector<std::string> bridge_args = rig.bridge_args();
  bridge_args[8] = "600000";  // --snapshot-interval-ms
  auto bridge = start_cli(rig.tmp, "bridge", bridge_args);
  auto mirror = start_cli(rig.tmp, "mirror", rig.mirror_args());
  Checker checker(rig.mir);
  REQUIRE(wait_until([&] { return source->out().find("DONE") != std::string::npos; }, 30s));
  std::string a, b;
  REQUIRE(rig.converged(a, b));

  const wirebook::nats::Names names{"src"};
  Injector inject(rig.server.url());
  // EVENTS messages: the last real one under the previous wire version, and
  // cut in half. The mirror rejects both, logs them, and carries on.
  const std::string events = inject.last(names.events_stream(), names.events("alpha"));
  std::string foreign = events;
  foreign[0] = static_cast<char>(wirebook::nats::kWireVersion - 1);
  inject.publish(names.events("alpha"), foreign);
  inject.publish(names.events("alpha"), events.substr(0, events.size() / 2));
  const auto logged = [](const std::unique_ptr<Child>& c, const std::string& text) {
    return [&c, text] { return c->err().find(text) != std::string::npos; };
  };
  const std::string foreign_log = "wire version " +
                                  std::to_string(wirebook::nats::kWireVersion - 1) + ", expected " +
                                  std::to_string(wirebook::nats::kWireVersion);
  CHECK(wait_until(logged(mirror, foreign_log), 20s));
  CHECK(wait_until(logged(mirror, "truncated or malformed"), 20s));
  CHECK(mirror->running());

  // A truncated positions snapshot, then a mirror restarted (kill -9) that
  // must load it: rejected and logged on every attempt (positions unknown,
  // never wrong) until the restarted bridge publishes a good one.
  const std::string pos = inject.last(names.state_stream(), names.positions("alpha"));
  inject.publish(names.positions("alpha"), pos.substr(0, pos.size() - 3));
  mirror->signal(SIGKILL);
  REQUIRE(mirror->wait(10s) == 128 + SIGKILL);
  mirror = start_cli(rig.tmp, "mirror2", rig.mirror_args());
  CHECK(wait_until(logged(mirror, "rejected a positions snapshot"), 20s));
  // Slots whose last record the replay brought are exact; the others stay
  // unknown: nothing shown differs from the (quiet) source.
  CHECK(known_positions_differing(rig.src, rig.mir) == 0);
  bridge->signal(SIGTERM);
  REQUIRE(bridge->wait(20s) == 0);
  bridge = start_cli(rig.tmp, "bridge2", rig.bridge_args());
  const bool equal = rig.converged(a, b);
  INFO("source:\n" << a << "mirror:\n" << b << "mirror log:\n" << mirror->err());
  CHECK(equal);
  CHECK(mirror->running());
  mirror->signal(SIGTERM);
  REQUIRE(mirror->wait(20s) == 0);
  CHECK(counter(mirror->err(), "rejected") >= 1);
  CHECK(checker.violations() == 0);
  INFO(checker.first_violation());
}
