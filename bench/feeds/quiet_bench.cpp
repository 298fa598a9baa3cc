// Issue 25, in process and without a network: what one WOO delta costs in the
// full pipeline (parse + chain + apply + publish, the feed as woo_bench
// builds it) after the venue thread was idle for a while, by how it idled:
//   pause spin    a user-space spin, no system call (the best `spin` could do)
//   epoll spin    epoll_wait(fd, 0) in a loop (what io_context::poll() spins on)
//   sleep         usleep (the thread leaves the CPU, as in `block`)
// beside the host's own floor: a 32 KB working set (512 cache lines over 64
// pages, a dependent pointer chase) re-read after a pause spin of the same
// length. When the floor itself decays with the idle time, the machine (the
// hypervisor, another tenant on the core) takes the core's caches while the
// thread spins, and no idle strategy of ours can keep a quiet frame as fast as
// a busy one there.
//
// Each round re-reads the floor's working set, idles, re-reads it (timed),
// then idles before each of the three frames (timed); at 0 us a frame thus
// follows the floor's 32 KB pass directly. The frames after the table go
// back to back, and the final books are checked against the generator's
// truth. Times from the TSC. `build/release/bench/feeds/quiet_bench`, about 10 s.
#include <immintrin.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/feeds/pipeline.hpp"
#include "bench/feeds/woo_stream.hpp"
#include "feeds/woo/woo_feed.hpp"

using namespace wirebook;

namespace {

enum class Idle : std::uint8_t { none, pause_spin, epoll_spin, sleep };

constexpr double kGapsUs[] = {0, 50, 1000, 20000};
constexpr std::size_t kChaseLines = 512;

// Idles `us` microseconds the given way.
void idle_for(Idle how, double us, int epoll_fd) {
  const double ns_per_tick = bench::ticks_to_ns(1'000'000) / 1e6;
  const std::int64_t until =
      bench::tsc_now() + static_cast<std::int64_t>(us * 1000.0 / ns_per_tick);
  epoll_event ev[4];
  switch (how) {
    case Idle::pause_spin:
      while (bench::tsc_now() < until) _mm_pause();
      break;
    case Idle::epoll_spin:
      while (bench::tsc_now() < until) (void)epoll_wait(epoll_fd, ev, 4, 0);
      break;
    case Idle::sleep:
      (void)usleep(static_cast<useconds_t>(us));
      break;
    case Idle::none:
      break;
  }
}

// The floor's working set: a random cycle through kChaseLines cache lines,
// one per 512 bytes.
struct Chase {
  Chase() : mem(kChaseLines * 512 + 64) {
    std::vector<std::size_t> at(kChaseLines);
    for (std::size_t i = 0; i < kChaseLines; ++i) at[i] = i * 512;
    std::shuffle(at.begin(), at.end(), std::mt19937(7));
    for (std::size_t i = 0; i < kChaseLines; ++i) {
      *reinterpret_cast<char**>(mem.data() + at[i]) = mem.data() + at[(i + 1) % kChaseLines];
    }
    start = mem.data() + at[0];
  }
  // Ticks for one pass.
  std::int64_t pass() {
    char* p = start;
    const std::int64_t t0 = bench::tsc_now();
    for (std::size_t i = 0; i < kChaseLines; ++i) p = *reinterpret_cast<char**>(p);
    const std::int64_t t1 = bench::tsc_now();
    sink += p == nullptr ? 1 : 0;
    return t1 - t0;
  }
  std::vector<char> mem;
  char* start = nullptr;
  std::size_t sink = 0;
};

struct Row {
  double p50;
  double p90;
};

Row summary(std::vector<double>& v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[v.size() * 9 / 10]};
}

}  // namespace

int main() {
  std::printf("wirebook quiet_bench  cpu: %s\n", bench::cpu_name().c_str());
  if (!bench::pin_to_cpu(bench::bench_cpu(1))) (void)bench::pin_to_cpu(0);
  (void)bench::calibrate_tsc();
  const bench::WooStream stream = bench::make_woo_stream(20'000);
  const bench::BenchSegment segment("quiet", stream.symbols);
  if (segment.writer() == nullptr) {
    std::printf("cannot create segment: %s\n", segment.error().c_str());
    return 2;
  }
  feeds::VenueBooks books(stream.specs(), 4000, 1024, segment.writer());
  bench::NullOutbox out;
  feeds::woo::WooFeed feed(books, out, feeds::woo::WooOptions{});
  feed.on_connected(1);
  std::int64_t mono = 1;
  std::size_t next = 0;
  const auto run_frame = [&] {
    const bench::Frame& f = stream.frames[next++];
    const std::int64_t t0 = bench::tsc_now();
    (void)feed.on_frame(f.buf.data(), f.len, f.buf.size(), 1, ++mono);
    return bench::ticks_to_ns(bench::tsc_now() - t0);
  };
  for (std::size_t k = 0; k < stream.symbols.size() + 2000; ++k) (void)run_frame();  // warm-up

  const int epoll_fd = epoll_create1(0);
  Chase chase;
  const Idle kinds[] = {Idle::pause_spin, Idle::epoll_spin, Idle::sleep};
  std::printf("%-10s %-24s %-20s %-20s %-20s\n", "idle", "floor: 32 KB re-read",
              "frame, pause spin", "frame, epoll spin", "frame, sleep");
  for (const double gap : kGapsUs) {
    const int n = gap >= 10'000 ? 100 : 400;
    std::vector<double> floor_ns;
    std::vector<double> frame_ns[3];
    for (int r = 0; r < n; ++r) {
      (void)chase.pass();
      idle_for(Idle::pause_spin, gap, epoll_fd);
      floor_ns.push_back(bench::ticks_to_ns(chase.pass()));
      for (int k = 0; k < 3; ++k) {
        idle_for(gap == 0 ? Idle::none : kinds[k], gap, epoll_fd);
        frame_ns[k].push_back(run_frame());
      }
    }
    const Row fl = summary(floor_ns);
    std::printf("%7.0f us  %6.0f / %6.0f ns", gap, fl.p50, fl.p90);
    std::printf(" (%4.1f/line)", fl.p50 / kChaseLines);
    for (auto& v : frame_ns) {
      const Row row = summary(v);
      std::printf("  %7.0f / %7.0f ns", row.p50, row.p90);
    }
    std::printf("\n");
  }
  while (next < stream.frames.size()) (void)run_frame();
  ::close(epoll_fd);
  std::printf("(p50 / p90; frames: the WOO pipeline's time for one delta)\n");
  const bool ok = bench::books_match(books, stream.truth);
  std::printf("check: %s\n", ok ? "every book LIVE and equal to the truth" : "FAILED");
  return ok && chase.sink == 0 ? 0 : 1;
}
