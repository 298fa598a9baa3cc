// Issue 25, in process and without a network: what one WOO delta costs in the
// full pipeline (parse + chain + apply + publish, the feed as woo_bench
// builds it, behind the daemon's HotPathWarmer as a spinning venue has it)
// after the venue thread was idle for a while, by how it idled:
//   pause spin    a user-space spin, no system call (the best `spin` could do)
//   epoll spin    epoll_wait(fd, 0) in a loop (what io_context::poll() spins on)
//   sleep         usleep (the thread leaves the CPU, as in `block`)
//   warmer        the epoll spin calling the warmer after each empty turn, as
//                 the daemon's spin loop does (warm_us at its default)
//   ideal         a pause spin that, every 20 us, runs a whole second WOO
//                 pipeline (its own feed, books and segment) over one frame
//                 and warms the measured feed, books and segment as the
//                 warmer does: more than a warmer does without running the
//                 measured feed itself, a bound on what warming gets here
// beside the host's own floor: a 32 KB working set (512 cache lines over 64
// pages, a dependent pointer chase) re-read after a pause spin of the same
// length. When the floor itself decays with the idle time, the machine (the
// hypervisor, another tenant on the core) takes the core's caches while the
// thread spins, and no idle strategy of ours can keep a quiet frame as fast as
// a busy one there.
//
// Each round re-reads the floor's working set, idles, re-reads it (timed),
// then idles before each of the five frames (timed); at 0 us a frame thus
// follows the floor's 32 KB pass directly. Each frame's bytes are read just
// before it is timed, as they are after the socket read. The frames after the
// table go back to back, and the final books are checked against the
// generator's truth. Times from the TSC.
// `build/release/bench/feeds/quiet_bench`, about 20 s.
#include <immintrin.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/feeds/pipeline.hpp"
#include "bench/feeds/woo_stream.hpp"
#include "config/config.hpp"
#include "daemon/hot_path_warmer.hpp"
#include "feeds/common/clock.hpp"
#include "feeds/woo/woo_feed.hpp"
#include "shm/writer.hpp"

using namespace wirebook;

namespace {

enum class Idle : std::uint8_t { none, pause_spin, epoll_spin, sleep, warmer, ideal };

constexpr double kGapsUs[] = {0, 50, 1000, 20000};
constexpr std::size_t kChaseLines = 512;
constexpr double kIdealEveryUs = 20;

using WooHandler = feeds::FeedHandler<feeds::woo::WooFeed>;
using WooParseOnly = feeds::ParseOnly<feeds::woo::Parser, feeds::woo::Message>;

std::int64_t us_to_ticks(double us) {
  return static_cast<std::int64_t>(us * 1000.0 / (bench::ticks_to_ns(1'000'000) / 1e6));
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

// The ideal column's second pipeline over the same stream, in its own
// segment; it starts over with fresh books and feed at the stream's end.
class ScratchPipeline {
 public:
  explicit ScratchPipeline(const bench::WooStream& stream)
      : stream_(stream), segment_("quiet-scratch", stream.symbols) {
    restart();
  }
  void frame() {
    if (next_ == stream_.frames.size()) restart();
    const bench::Frame& f = stream_.frames[next_++];
    (void)feed_->on_frame(f.buf.data(), f.len, f.buf.size(), 1, ++mono_);
  }

 private:
  void restart() {
    feed_.reset();
    books_ = std::make_unique<feeds::VenueBooks>(stream_.specs(), 4000, 1024, segment_.writer());
    feed_ = std::make_unique<feeds::woo::WooFeed>(*books_, out_, feeds::woo::WooOptions{});
    feed_->on_connected(1);
    next_ = 0;
  }
  const bench::WooStream& stream_;
  bench::BenchSegment segment_;
  bench::NullOutbox out_;
  std::unique_ptr<feeds::VenueBooks> books_;
  std::unique_ptr<feeds::woo::WooFeed> feed_;
  std::size_t next_ = 0;
  std::int64_t mono_ = 1;
};

// The measured pipeline: the WOO feed behind the daemon's warmer, on a bench
// clock that is the monotonic clock plus `skew` (the warm-up moves it on, so
// the warmer keeps the warm-up's last frame, a delta, as its sample).
struct Pipeline {
  Pipeline(const bench::WooStream& s, const bench::BenchSegment& segment)
      : stream(s),
        writer(*segment.writer()),
        books(s.specs(), 4000, 1024, segment.writer()),
        feed(books, out, feeds::woo::WooOptions{}),
        warmer(feed, std::make_unique<WooParseOnly>(4000, 16U << 20U), books, segment.writer(),
               std::int64_t{config::kDefaultWarmUs} * 1000) {
    feed.on_open(1);
  }
  [[nodiscard]] std::int64_t now() const { return feeds::monotonic_ns() + skew; }

  // Times the next frame, its bytes read first (as after the socket read).
  double run_frame() {
    const bench::Frame& f = stream.frames[next++];
    for (std::size_t c = 0; c < f.len; c += 64) sink += f.buf[c];
    const std::int64_t t0 = bench::tsc_now();
    (void)warmer.on_frame(f.buf.data(), f.len, f.buf.size(), 1, now());
    const double ns = bench::ticks_to_ns(bench::tsc_now() - t0);
    warmer.on_busy_turn(now());
    return ns;
  }

  // What the warmer warms besides its parser and scratch book.
  void warm_state() {
    feed.warm();
    sink += books.warm();
    for (std::uint32_t i = 0; i < books.size(); ++i) {
      for (const auto side : {book::Side::bid, book::Side::ask}) {
        books.book(i).visit_top(side, writer.depth(),
                                [&](std::size_t, const book::Level& l) { sink += l.qty; });
      }
    }
    writer.warm();
  }

  const bench::WooStream& stream;
  shm::VenueWriter& writer;
  bench::NullOutbox out;
  feeds::VenueBooks books;
  WooHandler feed;
  daemon::HotPathWarmer warmer;
  std::size_t next = 0;
  std::int64_t skew = 0;
  std::int64_t sink = 0;
};

// Idles `us` microseconds the given way.
void idle_for(Idle how, double us, int epoll_fd, Pipeline& p, ScratchPipeline& scratch) {
  const std::int64_t start = bench::tsc_now();
  const std::int64_t until = start + us_to_ticks(us);
  const std::int64_t every = us_to_ticks(kIdealEveryUs);
  std::int64_t next_ideal = start + every;
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
    case Idle::warmer:
      while (bench::tsc_now() < until) {
        (void)epoll_wait(epoll_fd, ev, 4, 0);
        p.warmer.on_idle_turn(p.now());
      }
      break;
    case Idle::ideal:
      for (std::int64_t t = bench::tsc_now(); t < until; t = bench::tsc_now()) {
        if (t >= next_ideal) {
          scratch.frame();
          p.warm_state();
          next_ideal = t + every;
        }
        _mm_pause();
      }
      break;
    case Idle::none:
      break;
  }
}

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
  Pipeline p(stream, segment);
  ScratchPipeline scratch(stream);
  // Warm-up; two seconds apart on the bench clock, so the warmer's sample is
  // the last of them.
  for (std::size_t k = 0; k < stream.symbols.size() + 2000; ++k) {
    (void)p.run_frame();
    p.skew += 2'000'000'000;
  }

  const int epoll_fd = epoll_create1(0);
  Chase chase;
  const Idle kinds[] = {Idle::pause_spin, Idle::epoll_spin, Idle::sleep, Idle::warmer, Idle::ideal};
  std::printf("%-10s %-24s %-18s %-18s %-18s %-18s %-18s\n", "idle", "floor: 32 KB re-read",
              "frame: pause spin", "epoll spin", "sleep", "warmer", "ideal");
  for (const double gap : kGapsUs) {
    const int n = gap >= 10'000 ? 100 : 400;
    std::vector<double> floor_ns;
    std::vector<double> frame_ns[std::size(kinds)];
    for (int r = 0; r < n; ++r) {
      (void)chase.pass();
      idle_for(Idle::pause_spin, gap, epoll_fd, p, scratch);
      floor_ns.push_back(bench::ticks_to_ns(chase.pass()));
      for (std::size_t k = 0; k < std::size(kinds); ++k) {
        idle_for(gap == 0 ? Idle::none : kinds[k], gap, epoll_fd, p, scratch);
        frame_ns[k].push_back(p.run_frame());
      }
    }
    const Row fl = summary(floor_ns);
    std::printf("%7.0f us  %6.0f / %6.0f ns", gap, fl.p50, fl.p90);
    std::printf(" (%4.1f/line)", fl.p50 / kChaseLines);
    for (auto& v : frame_ns) {
      const Row row = summary(v);
      std::printf("  %6.0f / %6.0f ns", row.p50, row.p90);
    }
    std::printf("\n");
  }
  while (p.next < stream.frames.size()) (void)p.run_frame();
  ::close(epoll_fd);
  std::printf(
      "(p50 / p90; frames: the WOO pipeline's time for one delta; warmer: %lu warmings, %lu "
      "scratch publications)\n",
      static_cast<unsigned long>(p.warmer.warmings()),
      static_cast<unsigned long>(p.warmer.scratch_publications()));
  const bool ok = bench::books_match(p.books, stream.truth);
  std::printf("check: %s\n", ok ? "every book LIVE and equal to the truth" : "FAILED");
  return ok && chase.sink == 0 && p.warmer.warmings() > 0 ? 0 : 1;
}
