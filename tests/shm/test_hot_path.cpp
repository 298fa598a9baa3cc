// The hot paths (publish, append, set_status, heartbeat, reads, polls) allocate
// nothing and make no system calls: the first is proven by counting operator
// new, the second by running them under seccomp strict mode, where any system
// call other than read/write/exit/sigreturn kills the process.
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <vector>

#include <wirebook/reader.hpp>

#include "book/l2_book.hpp"
#include "shm/writer.hpp"
#include "tests/common/alloc_counter.hpp"
#include "tests/shm/test_util.hpp"

using wirebook::test::g_allocs;
using wirebook::test::g_counting;

using namespace wirebook::shm;
namespace t = wirebook::shm::test;

namespace {

struct Fixture {
  t::TempDir dir{"hot"};
  std::unique_ptr<VenueWriter> w;
  VenueReader r;
  wirebook::book::L2Book book{1000};

  Fixture() {
    SegmentOptions o;
    o.dir = dir.path();
    VenueConfig c;
    c.name = "hot";
    c.symbols = {"A", "B"};
    c.depth = 1000;
    c.ring_capacity = 1024;
    REQUIRE(VenueWriter::create(o, c, w).ok());
    w->set_state(SegmentState::live);
    REQUIRE(VenueReader::open(dir.path(), "hot", r) == OpenError::ok);
    for (std::int64_t k = 0; k < 1000; ++k) {
      (void)book.set_level(wirebook::book::Side::bid, 100'000 - k, k + 1);
      (void)book.set_level(wirebook::book::Side::ask, 100'001 + k, k + 1);
    }
  }

  // Every hot operation, many times; returns a checksum so nothing is optimised away.
  std::int64_t exercise(Level* bids, Level* asks) {
    std::int64_t sum = 0;
    RingCursor c = r.cursor_at_head();
    for (int i = 0; i < 2000; ++i) {
      const auto inst = static_cast<std::uint32_t>(i & 1);
      BookMeta m;
      m.ts_exchange_ns = i;
      (void)w->publish(inst, book, m);
      Event e;
      e.type = EventType::level;
      e.px = i;
      (void)w->append(e);
      if (i % 100 == 0) (void)w->set_status(inst, Status::stale, i);
      Position pos;
      pos.instrument[0] = inst == 0 ? 'A' : 'B';
      pos.known = 1;
      pos.value[0] = i;
      (void)w->publish_position(inst, pos);
      (void)r.read_position(inst, pos);
      sum += pos.value[0] + r.find_position("B");
      w->heartbeat(i);
      w->idle(i);
      Bbo b;
      (void)r.read_bbo(inst, b);
      BookView v;
      (void)r.read_book(inst, v, bids, asks, 1000);
      Event ev;
      std::uint64_t lost = 0;
      while (r.poll(c, ev, lost) == PollResult::event) sum += ev.px;
      sum += b.bid.px + static_cast<std::int64_t>(v.bids) + asks[999].px;
    }
    return sum;
  }
};

}  // namespace

TEST_CASE("hot paths allocate nothing", "[shm][hot]") {
  Fixture f;
  std::vector<Level> bids(1000);
  std::vector<Level> asks(1000);
  REQUIRE(wirebook::test::alloc_counter_works());
  g_counting = true;
  const std::int64_t sum = f.exercise(bids.data(), asks.data());
  g_counting = false;
  REQUIRE(g_allocs.load() == 0);
  REQUIRE(sum != 0);
  REQUIRE(bids[0].px == 100'000);
}

TEST_CASE("hot paths make no system calls (seccomp strict mode)", "[shm][hot]") {
  Fixture f;
  std::vector<Level> bids(1000);
  std::vector<Level> asks(1000);
  (void)f.exercise(bids.data(), asks.data());  // warm: every page touched once
  t::ChildGuard children;  // after dir/shared state: destroyed first, kills leftover children
  const pid_t pid = t::fork_child([&]() -> int {
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0) return 3;
    const std::int64_t sum = f.exercise(bids.data(), asks.data());
    // exit_group is not allowed in strict mode; plain exit is.
    ::syscall(SYS_exit, sum != 0 ? 0 : 1);
    return 4;
  });
  const int rc = t::wait_child(pid, 60 * t::kSecond);
  INFO("child exit " << rc << " (128+9 means a system call was attempted)");
  REQUIRE(rc == 0);
}
