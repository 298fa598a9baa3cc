// Liveness across processes: SIGKILLed writers, restarts, half-built files.
#include <dirent.h>
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <wirebook/reader.hpp>

#include "shm/writer.hpp"
#include "tests/shm/test_util.hpp"

using namespace wirebook::shm;
namespace t = wirebook::shm::test;

namespace {

struct Control {
  std::atomic<int> writer_ready{0};
  std::atomic<int> reader_ready{0};
  std::atomic<std::int64_t> kill_ns{0};
  std::atomic<std::int64_t> detect_ns{0};
  std::atomic<int> reader_saw_dead{0};
  std::atomic<int> reader_untrusted_while_dead{0};
  std::atomic<std::uint64_t> new_generation{0};
  std::atomic<int> reader_saw_new{0};
  std::atomic<int> reader_reset{0};
  std::atomic<int> in_hook{0};
  std::atomic<int> stop{0};
};

VenueConfig config() {
  VenueConfig c;
  c.name = "woo";
  c.symbols = {"BTC", "ETH"};
  c.depth = 4;
  c.ring_capacity = 64;
  return c;
}

// Writer child: creates the segment, publishes `marker` as best bid, then
// heartbeats and publishes until killed or told to stop.
int writer_main(const std::string& dir, std::int64_t marker, Control* ctl) {
  SegmentOptions o;
  o.dir = dir;
  std::unique_ptr<VenueWriter> w;
  if (!VenueWriter::create(o, config(), w).ok()) return 2;
  w->set_state(SegmentState::live);
  const Level bid{marker, 1};
  std::uint64_t v = 0;
  if (w->publish_levels(0, BookMeta{}, {&bid, 1}, {}, ++v) != PublishResult::ok) return 3;
  w->heartbeat(t::mono_ns());
  ctl->writer_ready.fetch_add(1);
  while (ctl->stop.load() == 0) {
    w->heartbeat(t::mono_ns());
    (void)w->publish_levels(0, BookMeta{}, {&bid, 1}, {}, ++v);
    Event e;
    e.aux0 = marker;
    (void)w->append(e);
    ::usleep(200);
  }
  w->set_state(SegmentState::closed);
  return 0;
}

}  // namespace

TEST_CASE("a SIGKILLed writer is detected within 100 ms and its restart is picked up without help",
          "[shm][liveness]") {
  t::TempDir dir;
  t::Shared<Control> ctl;
  t::ChildGuard children;  // after dir/shared state: destroyed first, kills leftover children
  const pid_t w1 = t::fork_child([&] { return writer_main(dir.path(), 1111, &*ctl); });
  REQUIRE(t::wait_until([&] { return ctl->writer_ready.load() == 1; }, 30 * t::kSecond));

  // A reader process: opens, watches liveness, follows the restart by itself.
  const pid_t rd = t::fork_child([&]() -> int {
    VenueReader r;
    if (VenueReader::open(dir.path(), "woo", r) != OpenError::ok) return 10;
    if (r.refresh() != Liveness::alive) return 11;
    const std::uint64_t g1 = r.generation();
    RingCursor c = r.cursor_at_head();
    ctl->reader_ready.store(1);
    const std::int64_t deadline = t::mono_ns() + 60 * t::kSecond;
    while (r.refresh() != Liveness::dead) {
      if (t::mono_ns() > deadline) return 12;
    }
    ctl->detect_ns.store(t::mono_ns());
    ctl->reader_saw_dead.store(1);
    Bbo b;
    if (r.read_bbo(0, b) == ReadResult::ok && !b.trusted() && !b.writer_ok)
      ctl->reader_untrusted_while_dead.store(1);
    while (r.generation() == g1 || r.refresh() != Liveness::alive) {
      (void)r.refresh();
      if (t::mono_ns() > deadline) return 13;
      ::usleep(100);
    }
    Event ev;
    std::uint64_t lost = 0;
    if (r.poll(c, ev, lost) == PollResult::reset) ctl->reader_reset.store(1);
    if (r.read_bbo(0, b) != ReadResult::ok || b.bid.px != 2222 || !b.trusted()) return 14;
    ctl->new_generation.store(r.generation());
    ctl->reader_saw_new.store(1);
    return 0;
  });
  REQUIRE(t::wait_until([&] { return ctl->reader_ready.load() == 1; }, 30 * t::kSecond));

  // The parent is a second reader.
  VenueReader r;
  REQUIRE(VenueReader::open(dir.path(), "woo", r) == OpenError::ok);
  REQUIRE(r.refresh() == Liveness::alive);
  REQUIRE(r.writer_pid() == w1);
  REQUIRE(r.writer_start_time() != 0);

  ctl->kill_ns.store(t::mono_ns());
  REQUIRE(::kill(w1, SIGKILL) == 0);
  while (r.refresh() != Liveness::dead) {
    REQUIRE(t::mono_ns() - ctl->kill_ns.load() < 5 * t::kSecond);
  }
  const std::int64_t parent_detect = t::mono_ns() - ctl->kill_ns.load();
  REQUIRE(t::wait_until([&] { return ctl->reader_saw_dead.load() == 1; }, 30 * t::kSecond));
  const std::int64_t child_detect = ctl->detect_ns.load() - ctl->kill_ns.load();
  std::printf("liveness: SIGKILL detected after %.3f ms (parent reader), %.3f ms (child reader)\n",
              static_cast<double>(parent_detect) / 1e6, static_cast<double>(child_detect) / 1e6);
  CHECK(parent_detect < 100'000'000);
  CHECK(child_detect < 100'000'000);
  CHECK(ctl->reader_untrusted_while_dead.load() == 1);
  REQUIRE(t::wait_child(w1, 30 * t::kSecond) == 128 + SIGKILL);

  // Restart: a new generation replaces the file; both readers re-attach.
  const std::uint64_t g1 = r.generation();
  const pid_t w2 = t::fork_child([&] { return writer_main(dir.path(), 2222, &*ctl); });
  REQUIRE(t::wait_until([&] { return ctl->writer_ready.load() == 2; }, 30 * t::kSecond));
  REQUIRE(t::wait_until([&] { return r.refresh() == Liveness::alive && r.generation() != g1; },
                        30 * t::kSecond));
  REQUIRE(r.reattach_count() == 1);
  Bbo b;
  REQUIRE(r.read_bbo(0, b) == ReadResult::ok);
  REQUIRE(b.bid.px == 2222);
  REQUIRE(t::wait_child(rd, 60 * t::kSecond) == 0);
  CHECK(ctl->reader_reset.load() == 1);
  CHECK(ctl->new_generation.load() == r.generation());

  // Graceful stop: CLOSED, distinct from dead.
  ctl->stop.store(1);
  REQUIRE(t::wait_child(w2, 30 * t::kSecond) == 0);
  REQUIRE(r.refresh() == Liveness::closed);
}

TEST_CASE("a writer that stops heartbeating is reported stale", "[shm][liveness]") {
  t::TempDir dir;
  SegmentOptions o;
  o.dir = dir.path();
  std::unique_ptr<VenueWriter> w;
  REQUIRE(VenueWriter::create(o, config(), w).ok());
  ReaderOptions ro;
  ro.heartbeat_timeout_ns = 50'000'000;
  VenueReader r;
  REQUIRE(VenueReader::open(dir.path(), "woo", r, ro) == OpenError::ok);
  REQUIRE(r.refresh() == Liveness::starting);  // INIT until the feed goes live
  w->set_state(SegmentState::live);
  const std::int64_t now = t::mono_ns();
  w->heartbeat(now);
  REQUIRE(r.refresh(now + 10'000'000) == Liveness::alive);
  REQUIRE(r.refresh(now + 60'000'000) == Liveness::stale);
  w->heartbeat(now + 60'000'000);
  REQUIRE(r.refresh(now + 70'000'000) == Liveness::alive);
  const Level bid{1, 1};
  REQUIRE(w->publish_levels(0, BookMeta{}, {&bid, 1}, {}, 1) == PublishResult::ok);
  (void)r.refresh(now + 200'000'000);
  Bbo b;
  REQUIRE(r.read_bbo(0, b) == ReadResult::ok);
  REQUIRE_FALSE(b.trusted());  // LIVE book, but the writer is stale
}

TEST_CASE("a half-built segment is never visible", "[shm][liveness]") {
  t::TempDir dir;
  t::Shared<Control> ctl;
  t::ChildGuard children;  // after dir/shared state: destroyed first, kills leftover children
  SECTION("a writer killed during initialisation leaves nothing at the path") {
    const pid_t w = t::fork_child([&]() -> int {
      SegmentOptions o;
      o.dir = dir.path();
      o.hook_ctx = &*ctl;
      o.before_publish_hook = [](void* p) {
        auto* c = static_cast<Control*>(p);
        c->in_hook.store(1);
        while (c->stop.load() == 0) ::usleep(1000);
      };
      std::unique_ptr<VenueWriter> wr;
      (void)VenueWriter::create(o, config(), wr);
      return 0;
    });
    REQUIRE(t::wait_until([&] { return ctl->in_hook.load() == 1; }, 30 * t::kSecond));
    VenueReader r;
    REQUIRE(VenueReader::open(dir.path(), "woo", r) == OpenError::missing);
    // Only the hidden temp file exists.
    int entries = 0;
    int temps = 0;
    if (DIR* d = ::opendir(dir.path().c_str())) {
      while (const dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        ++entries;
        if (n.rfind(".tmp-venue-woo-", 0) == 0) ++temps;
      }
      ::closedir(d);
    }
    REQUIRE(entries == 1);
    REQUIRE(temps == 1);
    ::kill(w, SIGKILL);
    REQUIRE(t::wait_child(w, 30 * t::kSecond) == 128 + SIGKILL);
    REQUIRE(VenueReader::open(dir.path(), "woo", r) == OpenError::missing);
    // The next writer removes the abandoned temp file and publishes normally.
    SegmentOptions o;
    o.dir = dir.path();
    std::unique_ptr<VenueWriter> w2;
    REQUIRE(VenueWriter::create(o, config(), w2).ok());
    int left = 0;
    if (DIR* d = ::opendir(dir.path().c_str())) {
      while (const dirent* e = ::readdir(d)) left += std::string(e->d_name).rfind(".tmp-", 0) == 0;
      ::closedir(d);
    }
    REQUIRE(left == 0);
    REQUIRE(VenueReader::open(dir.path(), "woo", r) == OpenError::ok);
  }
  SECTION("readers racing a writer that restarts 200 times only ever see complete segments") {
    const pid_t w = t::fork_child([&]() -> int {
      SegmentOptions o;
      o.dir = dir.path();
      for (int i = 0; i < 200; ++i) {
        std::unique_ptr<VenueWriter> wr;
        const CreateStatus st = VenueWriter::create(o, config(), wr);
        if (!st.ok()) {
          std::fprintf(stderr, "create %d: %s\n", i, st.detail.c_str());
          return 2;
        }
        wr->set_state(SegmentState::live);
      }
      ctl->stop.store(1);
      return 0;
    });
    int ok = 0;
    int missing = 0;
    int other = 0;
    while (ctl->stop.load() == 0) {
      VenueReader r;
      const OpenError e = VenueReader::open(dir.path(), "woo", r);
      if (e == OpenError::ok) {
        ++ok;
      } else if (e == OpenError::missing) {
        ++missing;
      } else {
        ++other;
        UNSCOPED_INFO("reader saw: " << to_string(e));
      }
    }
    REQUIRE(t::wait_child(w, 60 * t::kSecond) == 0);
    std::printf("restart race: %d opens ok, %d before the first file, %d bad\n", ok, missing,
                other);
    REQUIRE(other == 0);
  }
}

TEST_CASE("readers map segments read-only and never write", "[shm][liveness]") {
  t::TempDir dir;
  t::Shared<Control> ctl;
  t::ChildGuard children;  // after dir/shared state: destroyed first, kills leftover children
  const pid_t w = t::fork_child([&] { return writer_main(dir.path(), 7, &*ctl); });
  REQUIRE(t::wait_until([&] { return ctl->writer_ready.load() == 1; }, 30 * t::kSecond));
  const pid_t rd = t::fork_child([&]() -> int {
    VenueReader r;
    if (VenueReader::open(dir.path(), "woo", r) != OpenError::ok) return 2;
    std::FILE* f = std::fopen("/proc/self/maps", "r");
    if (f == nullptr) return 3;
    char line[512];
    int mappings = 0;
    int writable = 0;
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::strstr(line, "/venue-woo") == nullptr) continue;
      ++mappings;
      char perms[8] = {};
      if (std::sscanf(line, "%*s %7s", perms) != 1 || perms[1] != '-' || perms[3] != 's')
        ++writable;
    }
    std::fclose(f);
    return mappings == 1 && writable == 0 ? 0 : 4;
  });
  CHECK(t::wait_child(rd, 30 * t::kSecond) == 0);
  ctl->stop.store(1);
  REQUIRE(t::wait_child(w, 30 * t::kSecond) == 0);
}
