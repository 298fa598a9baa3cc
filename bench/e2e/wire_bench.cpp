// Wire -> shared-memory latency (issue 22): how long after a venue frame goes
// on the wire its first event is visible to a strategy spinning on the ring.
//
// Rig, in this process, on loopback: the simulator serves WOO (protocol v2)
// at a paced rate, or as fast as the client drains (saturating); the WOO feed,
// built as the daemon builds it (module registry, WebSocket session over ws://
// or wss:// with certificate verification, sequencer, books, shared-memory
// writer), runs on its own thread in one of the daemon's idle modes: block
// (io_context::run, the thread sleeps in epoll) or spin (io_context::poll in a
// loop); a reader thread spins on the venue ring.
//
// Stamps. The simulator calls the bench with each frame just before its
// server writes it (Venue::set_write_observer): the TSC is read then. The
// reader reads the TSC when it finds the first event of a frame: a LEVEL event
// whose (instrument, exchange time) it has not seen (WOO v2's ts is strictly
// increasing per symbol). After the run each delta frame is matched with that
// event by (symbol, ts). The first 5% of frames (subscription and snapshot)
// are left out.
//
// Where the time goes. Every event carries ts_recv_ns, the CLOCK_REALTIME the
// session read when the WebSocket layer handed it the whole frame, and the
// reader reads CLOCK_REALTIME too, so each sample splits into wire -> frame
// handed to the feed (socket, TLS, WebSocket framing, the feed thread's wake-up)
// and frame handed -> event visible (parse, chain check, apply, publish). A raw
// TCP floor is measured in the same run: a frame-sized message over a loopback
// socket between the same cpus, the receiver blocking or spinning as the feed.
//
// Placement on a 2-cpu host: simulator and reader on cpu 0, feed on cpu 1
// (WIREBOOK_BENCH_SIM_CPU, _READER_CPU, _FEED_CPU override). The reader then
// shares its cpu with the simulator, so it may stamp late: an event found when
// the reader had not been caught up with the ring (a poll that found nothing)
// for over 2 µs was visible at some time in that gap. Such samples' share is
// printed beside each run; a host with a cpu to spare for the reader has none.
// At the saturating rate the simulator takes all of cpu 0 and nearly every
// stamp is late by the scheduler's slices; the wire -> frame handed row does
// not depend on the reader (its two clock reads are taken together, so its
// lateness cancels), and the pipeline benches (bench/feeds) give the feed's
// own cost per frame when busy.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <wirebook/reader.hpp>

#include "bench/bench_util.hpp"
#include "config/url.hpp"
#include "feeds/common/clock.hpp"
#include "feeds/registry.hpp"
#include "shm/writer.hpp"
#include "tests/common/feed_under_test.hpp"
#include "tests/shm/test_util.hpp"
#include "tools/sim/sim.hpp"

namespace shm = wirebook::shm;
namespace sim = wirebook::sim;
namespace feeds = wirebook::feeds;
namespace bench = wirebook::bench;
namespace config = wirebook::config;

namespace {

constexpr std::size_t kSymbols = 5;
constexpr std::int64_t kLateNs = 2'000;

struct Cpus {
  int sim = bench::cpu_from_env("WIREBOOK_BENCH_SIM_CPU", 0);
  int reader = bench::cpu_from_env("WIREBOOK_BENCH_READER_CPU", 0);
  int feed = bench::cpu_from_env("WIREBOOK_BENCH_FEED_CPU", 1);
};

struct Args {
  double rate = 1000;                  // frames/s of the paced runs
  std::uint64_t frames = 10'000;       // per paced run
  std::uint64_t saturating = 100'000;  // frames per saturating run (0: none)
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int k = 1; k + 1 < argc; k += 2) {
    const std::string_view key = argv[k];
    if (key == "--rate") a.rate = std::strtod(argv[k + 1], nullptr);
    if (key == "--frames") a.frames = std::strtoull(argv[k + 1], nullptr, 10);
    if (key == "--saturating-frames") a.saturating = std::strtoull(argv[k + 1], nullptr, 10);
  }
  return a;
}

struct RunSpec {
  bool tls = false;
  bool spin = false;
  double rate = 0;  // 0: as fast as the client drains
  std::uint64_t frames = 0;
};

std::string describe(const RunSpec& s) {
  const std::string rate =
      s.rate > 0 ? std::to_string(static_cast<long>(s.rate)) + "/s" : "saturating";
  return std::string(s.tls ? "wss " : "ws  ") + (s.spin ? "spin  " : "block ") + rate;
}

// A frame as it went on the wire.
struct WireStamp {
  std::int64_t tsc = 0;
  sim::SharedFrame frame;
};

// The first event of a frame as the reader found it.
struct Visible {
  std::int64_t tsc = 0;
  std::int64_t realtime_ns = 0;
  std::int64_t recv_realtime_ns = 0;  // the event's ts_recv_ns
  bool late = false;                  // the reader had not been caught up for over kLateNs
};

// WOO v2 exchange times are whole milliseconds, so adding a book index below
// 1,000,000 keeps the keys of different books apart.
std::uint64_t frame_key(std::uint32_t instrument, std::int64_t ts_exchange_ns) {
  return static_cast<std::uint64_t>(ts_exchange_ns) + instrument;
}

// Spins on the ring until `stop`, noting the first event of every frame.
class RingWatcher {
 public:
  explicit RingWatcher(const shm::VenueReader& reader) : reader_(reader) {
    last_ts_.assign(kSymbols, -1);
  }

  void run(const std::atomic<bool>& stop) {
    shm::RingCursor cursor = reader_.cursor_from(1);
    shm::Event ev;
    std::uint64_t lost = 0;
    std::int64_t caught_up = bench::tsc_now();  // the last poll that found nothing new
    while (!stop.load(std::memory_order_relaxed)) {
      const shm::PollResult r = reader_.poll(cursor, ev, lost);
      const std::int64_t now = bench::tsc_now();
      if (r == shm::PollResult::nothing) caught_up = now;
      if (r == shm::PollResult::event && is_first_of_frame(ev)) {
        seen_.emplace(frame_key(ev.instrument, ev.ts_exchange_ns),
                      Visible{now, feeds::untapped_realtime_ns(), ev.ts_recv_ns,
                              bench::ticks_to_ns(now - caught_up) > kLateNs});
      }
      lapped_ += r == shm::PollResult::lapped ? lost : 0;
    }
  }

  [[nodiscard]] const Visible* find(std::uint32_t instrument, std::int64_t ts_ns) const {
    const auto it = seen_.find(frame_key(instrument, ts_ns));
    return it == seen_.end() ? nullptr : &it->second;
  }
  [[nodiscard]] std::uint64_t lapped() const noexcept { return lapped_; }
  void reserve(std::size_t n) { seen_.reserve(n); }

 private:
  bool is_first_of_frame(const shm::Event& ev) {
    if (ev.type != shm::EventType::level || ev.instrument >= last_ts_.size()) return false;
    if (ev.ts_exchange_ns == last_ts_[ev.instrument]) return false;
    last_ts_[ev.instrument] = ev.ts_exchange_ns;
    return true;
  }

  const shm::VenueReader& reader_;
  std::vector<std::int64_t> last_ts_;
  std::unordered_map<std::uint64_t, Visible> seen_;
  std::uint64_t lapped_ = 0;
};

// A WOO v2 delta frame's symbol and ts: {"topic":"<SYM>@orderbookupdate","ts":<ms>,...
bool parse_delta(std::string_view f, std::string_view& symbol, std::int64_t& ts_ms) {
  constexpr std::string_view kHead = R"({"topic":")";
  constexpr std::string_view kTail = R"(@orderbookupdate","ts":)";
  const std::size_t tail = f.find(kTail);
  if (!f.starts_with(kHead) || tail == std::string_view::npos) return false;
  symbol = f.substr(kHead.size(), tail - kHead.size());
  ts_ms = std::strtoll(f.data() + tail + kTail.size(), nullptr, 10);
  return ts_ms > 0;
}

struct RunResult {
  std::vector<double> total_ns;    // wire -> event visible
  std::vector<double> on_time_ns;  // ... of the samples not possibly late
  std::vector<double> handed_ns;   // wire -> frame handed to the feed
  std::vector<double> feed_ns;     // frame handed -> event visible
  std::uint64_t deltas = 0;        // delta frames written (after the warm-up)
  std::uint64_t late = 0;          // samples the reader may have stamped late
  std::uint64_t lapped = 0;
  double frames_per_s = 0;
};

void join(const std::vector<WireStamp>& stamps, const RingWatcher& watcher,
          const std::vector<std::string>& names, RunResult& out) {
  std::unordered_map<std::string_view, std::uint32_t> index;
  for (std::uint32_t i = 0; i < names.size(); ++i) index.emplace(names[i], i);
  for (std::size_t k = stamps.size() / 20; k < stamps.size(); ++k) {
    std::string_view symbol;
    std::int64_t ts_ms = 0;
    if (!parse_delta(*stamps[k].frame, symbol, ts_ms) || !index.contains(symbol)) continue;
    ++out.deltas;
    const Visible* v = watcher.find(index.at(symbol), feeds::ms_to_ns(ts_ms));
    if (v == nullptr) continue;
    const double total = bench::ticks_to_ns(v->tsc - stamps[k].tsc);
    const auto feed = static_cast<double>(v->realtime_ns - v->recv_realtime_ns);
    out.total_ns.push_back(total);
    out.feed_ns.push_back(feed);
    out.handed_ns.push_back(total - feed);
    out.late += v->late ? 1 : 0;
    if (!v->late) out.on_time_ns.push_back(total);
  }
}

void pin_or_warn(int cpu, const char* who) {
  if (!bench::pin_to_cpu(cpu))
    std::fprintf(stderr, "wire_bench: %s not pinned to cpu %d\n", who, cpu);
}

// One run: simulator, feed and reader from start to the end of the bounded run.
bool run_one(const RunSpec& spec, const Cpus& cpus, RunResult& out) {
  sim::SimConfig cfg;
  cfg.venues = {"woo"};
  cfg.venue.seed = 1;
  cfg.venue.symbols = kSymbols;
  cfg.venue.rate = spec.rate;
  cfg.venue.frames = spec.frames;
  cfg.venue.wait_subscriptions = kSymbols;
  cfg.linger_ms = 300;
  sim::Simulator simulator(cfg);

  std::vector<WireStamp> stamps;
  stamps.reserve(spec.frames + 4096);
  simulator.venue("woo")->set_write_observer([&stamps](const sim::SharedFrame& f) {
    const std::int64_t tsc = bench::tsc_stamp();
    stamps.push_back({tsc, f});
  });

  std::vector<std::string> names;
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& s : sim::venue_symbols("woo", kSymbols)) {
    names.push_back(s.name);
    specs.push_back({s.name, s.px_exp, s.qty_exp});
  }
  wirebook::shm::test::TempDir dir("wire");
  shm::SegmentOptions so;
  so.dir = dir.path();
  std::unique_ptr<shm::VenueWriter> writer;
  if (!shm::VenueWriter::create(so, shm::VenueConfig{"woo", names, 20, 1U << 18U}, writer).ok()) {
    return false;
  }
  writer->set_state(shm::SegmentState::live);
  shm::VenueReader reader;
  if (shm::VenueReader::open(dir.path(), "woo", reader) != shm::OpenError::ok) return false;
  feeds::VenueBooks books(specs, 4000, 65536, writer.get());

  config::VenueConfig venue;
  venue.name = venue.kind = "woo";
  venue.symbols = names;
  venue.heartbeat_s = 10;
  if (config::parse_url(simulator.url("woo", spec.tls), venue.endpoint)) return false;
  feeds::SessionOptions so_ws = wirebook::reftest::session_options(venue, spec.tls ? "wss" : "ws");
  so_ws.ca_file = simulator.ca_path();
  so_ws.seed = 1;
  boost::asio::io_context io;
  wirebook::reftest::FeedUnderTest feed(*feeds::find_venue_module("woo"), venue, books, so_ws, io);
  auto guard = boost::asio::make_work_guard(io);

  RingWatcher watcher(reader);
  watcher.reserve(spec.frames * 2);
  std::atomic<bool> stop_reader{false};
  std::thread reader_thread([&] {
    pin_or_warn(cpus.reader, "reader");
    watcher.run(stop_reader);
  });
  std::thread feed_thread([&] {
    pin_or_warn(cpus.feed, "feed");
    if (!spec.spin) (void)io.run();
    while (!io.stopped()) (void)io.poll();
  });
  boost::asio::post(io, [&] { feed.session->start(); });
  const std::int64_t t0 = bench::now_ns();
  std::thread sim_thread([&] {
    pin_or_warn(cpus.sim, "simulator");
    simulator.run();
  });
  sim_thread.join();
  const std::int64_t t1 = bench::now_ns();
  boost::asio::post(io, [&] {
    feed.session->stop();
    io.stop();
  });
  feed_thread.join();
  stop_reader = true;
  reader_thread.join();

  join(stamps, watcher, names, out);
  out.lapped = watcher.lapped();
  out.frames_per_s = static_cast<double>(spec.frames) * 1e9 / static_cast<double>(t1 - t0);
  return !out.total_ns.empty();
}

// ---- raw TCP floor ----------------------------------------------------------

constexpr std::size_t kFloorMessage = 256;  // about a WOO delta frame

// A connected loopback TCP pair (Nagle off on the sender); false on failure.
bool tcp_pair(int& sender, int& receiver) {
  const int lst = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (lst < 0 || ::bind(lst, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(lst, 1) != 0 || ::getsockname(lst, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return false;
  }
  sender = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  (void)::setsockopt(sender, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(sender, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
  receiver = ::accept(lst, nullptr, nullptr);
  ::close(lst);
  return receiver >= 0;
}

// Reads one whole message; spinning: without blocking, retrying.
bool read_message(int fd, char* buf, bool spin) {
  std::size_t got = 0;
  while (got < kFloorMessage) {
    const ssize_t n = ::recv(fd, buf + got, kFloorMessage - got, spin ? MSG_DONTWAIT : 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return false;
    got += n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  return true;
}

// One-way latency of `count` messages at `rate`/s: the sender stamps the TSC
// into the message just before send(); the receiver reads the TSC on receipt.
std::vector<double> tcp_floor(const Cpus& cpus, bool spin, double rate, std::uint64_t count) {
  std::vector<double> lat;
  int tx = -1;
  int rx = -1;
  if (!tcp_pair(tx, rx)) return lat;
  lat.reserve(count);
  std::thread receiver([&] {
    pin_or_warn(cpus.feed, "floor receiver");
    char buf[kFloorMessage];
    for (std::uint64_t k = 0; k < count && read_message(rx, buf, spin); ++k) {
      const std::int64_t now = bench::tsc_now();
      std::int64_t sent = 0;
      std::memcpy(&sent, buf, sizeof sent);
      if (k >= count / 20) lat.push_back(bench::ticks_to_ns(now - sent));
    }
  });
  std::thread sender([&] {
    pin_or_warn(cpus.sim, "floor sender");
    char buf[kFloorMessage] = {};
    const auto period = static_cast<std::int64_t>(1e9 / rate);
    for (std::uint64_t k = 0; k < count; ++k) {
      const timespec pause{0, period};
      ::nanosleep(&pause, nullptr);  // the simulator waits on a timer between frames too
      const std::int64_t tsc = bench::tsc_stamp();
      std::memcpy(buf, &tsc, sizeof tsc);
      if (::send(tx, buf, sizeof buf, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof buf)) break;
    }
    ::shutdown(tx, SHUT_WR);
  });
  sender.join();
  receiver.join();
  ::close(tx);
  ::close(rx);
  return lat;
}

// ---- report -----------------------------------------------------------------

void print_us(const std::string& name, std::vector<double>& ns) {
  for (double& v : ns) v /= 1000.0;
  bench::print_line(name, bench::percentiles(ns), "us");
}

bool report_run(const RunSpec& spec, const Cpus& cpus) {
  RunResult r;
  if (!run_one(spec, cpus, r)) {
    std::printf("%s: FAILED (no frame matched an event)\n", describe(spec).c_str());
    return false;
  }
  const std::string name = describe(spec);
  std::printf(
      "%s: %zu of %llu delta frames matched, %.0f frames/s, %.1f%% of stamps "
      "possibly late, %llu events lapped\n",
      name.c_str(), r.total_ns.size(), static_cast<unsigned long long>(r.deltas), r.frames_per_s,
      100.0 * static_cast<double>(r.late) / static_cast<double>(r.total_ns.size()),
      static_cast<unsigned long long>(r.lapped));
  print_us("  wire -> event visible", r.total_ns);
  if (!r.on_time_ns.empty()) print_us("  ... stamps not possibly late", r.on_time_ns);
  print_us("    wire -> frame handed to the feed", r.handed_ns);
  print_us("    frame handed -> event visible", r.feed_ns);
  // Every frame the simulator wrote after the warm-up must have been seen,
  // unless the reader was lapped (then its events are gone, as it says).
  return r.total_ns.size() == r.deltas || r.lapped > 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  const Cpus cpus;
  std::printf("wire_bench: %s; simulator cpu %d, reader cpu %d, feed cpu %d; WOO v2, %zu symbols\n",
              bench::cpu_name().c_str(), cpus.sim, cpus.reader, cpus.feed, kSymbols);
  std::printf("tsc: %.4f ns per tick\n", bench::calibrate_tsc());
  bool ok = true;
  for (const bool spin : {false, true}) {
    auto floor = tcp_floor(cpus, spin, args.rate, args.frames);
    ok = ok && !floor.empty();
    print_us(std::string("raw TCP floor, ") + (spin ? "spin " : "block") + " receiver", floor);
    for (const bool tls : {false, true}) {
      ok = report_run(RunSpec{tls, spin, args.rate, args.frames}, cpus) && ok;
      if (args.saturating > 0) ok = report_run(RunSpec{tls, spin, 0, args.saturating}, cpus) && ok;
    }
  }
  return ok ? 0 : 1;
}
