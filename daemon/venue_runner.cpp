#include "daemon/venue_runner.hpp"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include "config/secret.hpp"
#include "daemon/hot_path_warmer.hpp"
#include "daemon/log_queue.hpp"
#include "daemon/recorder.hpp"
#include "feeds/common/clock.hpp"
#include "shm/consolidated_writer.hpp"
#include "shm/writer.hpp"

namespace wirebook::daemon {

namespace {

using feeds::bump;

constexpr std::size_t kBufferOps = 65536;
constexpr auto kTick = std::chrono::milliseconds(100);
constexpr int kWarn = 3;  // spdlog::level::warn
constexpr int kInfo = 2;

std::vector<feeds::InstrumentSpec> instrument_specs(const config::VenueConfig& venue) {
  std::vector<feeds::InstrumentSpec> specs;
  specs.reserve(venue.symbols.size());
  for (const auto& s : venue.symbols) specs.push_back(feeds::InstrumentSpec{s, -8, -8});
  return specs;
}

// WsSession's SessionLog levels (ws_session.cpp: 0 debug, 1 info, 2 warn,
// 3 error) to spdlog's level_enum values carried by LogRecord.
int session_level(int level) noexcept {
  switch (level) {
    case 0:
      return 1;  // debug
    case 1:
      return kInfo;
    case 2:
      return kWarn;
    default:
      return 4;  // err
  }
}

}  // namespace

feeds::SessionOptions session_options(const config::VenueConfig& venue,
                                      const feeds::VenueModule& module) {
  feeds::SessionOptions o;
  o.scheme = venue.endpoint.scheme;
  o.host = venue.endpoint.host;
  o.port = venue.endpoint.port;
  o.target = venue.endpoint.target;
  o.verify = venue.tls.verify;
  o.ca_file = venue.tls.ca_file;
  o.max_frame_bytes = venue.max_frame_bytes;
  if (venue.connect_timeout_ms > 0) {
    o.connect_timeout_ns = static_cast<std::int64_t>(venue.connect_timeout_ms) * 1'000'000;
  }
  // A venue without an application heartbeat: a connection silent (not even a
  // pong) for two heartbeat periods is dead.
  if (module.transport_keepalive) o.keepalive_idle_ns = 2 * feeds::heartbeat_ns(venue);
  o.min_connect_interval_ns = module.min_connect_interval_ns;
  return o;
}

feeds::Credentials credentials(const config::VenueConfig& venue) {
  feeds::Credentials c;
  if (!venue.api_key.given()) return c;
  const auto creds = config::resolve_credentials(venue);
  c.api_key = std::string(creds.api_key.reveal());
  // A key alone: the venues that take one send it as it is (a header).
  c.use = feeds::Credentials::Use::key_only;
  if (!venue.api_secret.given()) return c;
  // Signature-based login where the venue offers it, so the secret itself
  // never goes on the wire; it is never logged.
  c.use = feeds::Credentials::Use::signature;
  c.api_secret = std::string(creds.api_secret.reveal());
  return c;
}

VenueRunner::VenueRunner(std::uint8_t index, const config::VenueConfig& venue,
                         std::unique_ptr<shm::VenueWriter> writer, const feeds::VenueModule& module,
                         LogQueue& log, VenueRecorder* recorder,
                         std::unique_ptr<shm::MemberLines> lines)
    : index_(index),
      venue_(venue),
      log_(log),
      writer_(std::move(writer)),
      lines_(std::move(lines)),
      io_(std::make_unique<boost::asio::io_context>(1)),
      timer_(std::make_unique<boost::asio::steady_timer>(*io_)) {
  // Built here (cold thread, start-up) but used only on the venue thread once
  // start() creates it; std::thread's start is the synchronisation point.
  books_ = std::make_unique<feeds::VenueBooks>(instrument_specs(venue_), venue_.max_levels,
                                               kBufferOps, writer_.get());
  if (lines_ != nullptr && !lines_->empty()) books_->set_member_lines(lines_.get());
  if (module.make_feed == nullptr) {
    throw std::runtime_error(
        fmt::format("venue '{}': kind '{}' has no feed in this build", venue_.name, venue_.kind));
  }
  recorder_ = recorder;
  // The venue's buckets (README "Reconnect storms"): every connection attempt
  // of its session and every REST call of its feed take a token first.
  const std::int64_t now = feeds::monotonic_ns();
  connect_gate_ = std::make_unique<feeds::RateGate>(feeds::connect_limit(venue_, module), now);
  rest_gate_ = std::make_unique<feeds::RateGate>(feeds::rest_limit(venue_, module), now);
  if (recorder != nullptr) {
    auto recording = std::make_unique<RecordingHandler>(*recorder, outbox_);
    // The limit below the recording: it records each GET as the feed asks it.
    feeds::RateLimitedRest limited(feeds::live_rest(), *rest_gate_);
    RecordingRest rest(*recorder, limited);
    recording->begin_build();
    try {
      recording->wrap(module.make_feed(
          feeds::FeedContext{venue_, *books_, *recording, credentials(venue_), rest}));
    } catch (...) {
      feeds::t_clock_tap = nullptr;
      throw;
    }
    recording->end_build();
    recording_ = recording.get();
    handler_ = std::move(recording);
  } else {
    feeds::RateLimitedRest rest(feeds::live_rest(), *rest_gate_);
    handler_ =
        module.make_feed(feeds::FeedContext{venue_, *books_, outbox_, credentials(venue_), rest});
  }
  feeds::FrameHandler* front = handler_.get();
  if (venue_.idle != config::IdleMode::block && venue_.warm_us > 0 &&
      module.make_parser != nullptr) {
    warmer_ = std::make_unique<HotPathWarmer>(*handler_, module.make_parser(venue_), *books_,
                                              writer_.get(), std::int64_t{venue_.warm_us} * 1000);
    front = warmer_.get();
  }
  feeds::SessionOptions options = session_options(venue_, module);
  options.connect_gate = connect_gate_.get();
  session_ = feeds::make_session(
      module.transport, *io_, std::move(options), *front,
      [this](int level, std::string_view message) { this->log(session_level(level), message); });
  outbox_.bind(session_.get());
  publish_summary();
}

VenueRunner::~VenueRunner() {
  if (thread_.joinable()) {
    try {
      request_stop();
      join();
    } catch (...) {
      force_stop();  // post or join failed: stop the loop, then detach-free join
      if (thread_.joinable()) thread_.join();
    }
  } else if (!summary_.finished.load(std::memory_order_relaxed)) {
    // Never started (start-up failed elsewhere): leave an honest, closed segment.
    books_->set_all(feeds::BookStatus::disconnected, feeds::realtime_ns());
    writer_->set_state(shm::SegmentState::closed);
  }
  // Session before handler before books: each refers to the next.
  session_.reset();
  warmer_.reset();
  handler_.reset();
  books_.reset();
}

const feeds::VenueCounters& VenueRunner::counters() const noexcept {
  return books_->counters();
}

std::uint32_t VenueRunner::book_count() const noexcept {
  return static_cast<std::uint32_t>(venue_.symbols.size());
}

void VenueRunner::start() {
  thread_ = std::thread([this] { run(); });
}

void VenueRunner::request_stop() {
  boost::asio::post(*io_, [this] { stop_on_thread(); });
}

void VenueRunner::join() {
  if (thread_.joinable()) thread_.join();
}

void VenueRunner::log(int level, std::string_view message) noexcept {
  (void)log_.push(level, index_, message);
}

void VenueRunner::configure_thread() {
  const std::string thread_name = ("wb-" + venue_.name).substr(0, 15);  // kernel limit 16 with NUL
  (void)pthread_setname_np(pthread_self(), thread_name.c_str());
  if (venue_.cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    const int rc = *venue_.cpu < CPU_SETSIZE ? (CPU_SET(*venue_.cpu, &set), 0) : EINVAL;
    const int err = rc != 0 ? rc : pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    if (err != 0) {
      log(kWarn, fmt::format("cannot pin thread to cpu {}: {} (running unpinned)", *venue_.cpu,
                             std::strerror(err)));
    } else {
      log(kInfo, fmt::format("thread {} pinned to cpu {}", thread_name, *venue_.cpu));
    }
  }
  if (venue_.rt_priority) {
    sched_param param{};
    param.sched_priority = static_cast<int>(*venue_.rt_priority);
    const int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
    if (err != 0) {
      log(kWarn, fmt::format("cannot use SCHED_FIFO priority {}: {} (needs CAP_SYS_NICE or an "
                             "RLIMIT_RTPRIO; running with normal priority)",
                             *venue_.rt_priority, std::strerror(err)));
    } else {
      log(kInfo, fmt::format("SCHED_FIFO priority {}", *venue_.rt_priority));
    }
  }
}

void VenueRunner::run() noexcept {
  try {
    configure_thread();
    writer_->set_state(shm::SegmentState::live);
    idle();
    session_->start();
    arm_timer();
    run_loop();
  } catch (const std::exception& e) {
    log(4, fmt::format("venue thread failed: {}", e.what()));
  }
  // Whatever ended the loop (graceful stop, force_stop, an exception), leave
  // the segment readable and honest: books DISCONNECTED, state CLOSED.
  if (!stopping_) {
    stopping_ = true;
    books_->set_all(feeds::BookStatus::disconnected, feeds::realtime_ns());
    writer_->set_state(shm::SegmentState::closed);
  }
  publish_summary();
  summary_.finished.store(true, std::memory_order_release);
}

// The venue's idle strategy (config IdleMode). Every mode runs the same
// handlers in the same order; they differ only in how the thread waits.
void VenueRunner::run_loop() {
  switch (venue_.idle) {
    case config::IdleMode::block:
      io_->run();  // sleeps in epoll between events
      return;
    case config::IdleMode::spin:
      spin(-1);
      return;
    case config::IdleMode::backoff:
      spin(std::int64_t{venue_.spin_us} * 1000);
      return;
  }
}

// Polls the sockets (epoll without a timeout) and timers in a loop, so the
// frame that ends a quiet spell finds the thread running on its core. With
// spin_ns >= 0, blocks once spin_ns passed without a handler (backoff).
void VenueRunner::spin(std::int64_t spin_ns) {
  std::int64_t last_busy = feeds::monotonic_ns();
  while (!io_->stopped()) {
    const bool busy = io_->poll() > 0;
    const std::int64_t now = feeds::monotonic_ns();
    if (busy) last_busy = now;
    if (warmer_ != nullptr) busy ? warmer_->on_busy_turn(now) : warmer_->on_idle_turn(now);
    if (spin_ns >= 0 && !busy && now - last_busy >= spin_ns) {
      (void)io_->run_one();  // the next frame or tick wakes the thread
      last_busy = feeds::monotonic_ns();
      if (warmer_ != nullptr) warmer_->on_busy_turn(last_busy);
    }
  }
}

void VenueRunner::arm_timer() {
  timer_->expires_after(kTick);
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    on_tick();
    arm_timer();
  });
}

void VenueRunner::on_tick() noexcept {
  idle();
  // Venue error replies and notices reach the log from here (at most one
  // line each per tick, with the count), never from the frame path.
  const feeds::VenueCounters& c = books_->counters();
  log_new(kWarn, "venue error reply", c.errors, errors_logged_, books_->last_error());
  log_new(kInfo, "venue notice", c.notices, notices_logged_, books_->last_notice());
  log_position_problems();
  publish_summary();
  timespec cpu{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0) {
    summary_.cpu_ns.store(static_cast<std::uint64_t>(cpu.tv_sec) * 1'000'000'000U +
                              static_cast<std::uint64_t>(cpu.tv_nsec),
                          std::memory_order_relaxed);
  }
  if (warmer_ != nullptr) summary_.warmings.store(warmer_->warmings(), std::memory_order_relaxed);
  roll_feed_latency(feeds::monotonic_ns());
  bump(summary_.ticks);
}

// Once a second: the window's feed latency to the segment header and the metrics.
void VenueRunner::roll_feed_latency(std::int64_t now_monotonic_ns) noexcept {
  feeds::FeedLatency::Quantiles q;
  if (!books_->feed_latency().roll(now_monotonic_ns, q)) return;
  writer_->set_feed_latency(
      shm::FeedLatency{q.p50_ns, q.p99_ns, q.samples, q.ahead, feeds::FeedLatency::kSeconds});
  constexpr auto kRelaxed = std::memory_order_relaxed;
  summary_.feed_p50_ns.store(q.p50_ns, kRelaxed);
  summary_.feed_p99_ns.store(q.p99_ns, kRelaxed);
  summary_.feed_samples.store(q.samples, kRelaxed);
  summary_.feed_ahead.store(q.ahead, kRelaxed);
}

// The segment's housekeeping; recorded, since it may append a HEARTBEAT event.
void VenueRunner::idle() noexcept {
  const std::int64_t now = feeds::monotonic_ns();
  writer_->idle(now);
  if (lines_ != nullptr) lines_->heartbeat(now);
  if (recording_ != nullptr) recording_->on_idle(now);
}

// One line for what `count` gained since the last one logged: the count and
// the latest text.
void VenueRunner::log_new(int level, std::string_view what, const std::atomic<std::uint64_t>& count,
                          std::uint64_t& logged, std::string_view latest) noexcept {
  const std::uint64_t now = count.load(std::memory_order_relaxed);
  if (now <= logged) return;
  try {
    log(level, fmt::format("{} ({} so far): {}", what, now, latest));
  } catch (...) {
    // formatting failed (allocation): the counter still shows it
  }
  logged = now;
}

// Rejected positions (bad numbers, a full section) reach the log from the
// tick too: at most one line per tick, with the count.
void VenueRunner::log_position_problems() noexcept {
  const feeds::VenuePositions& p = books_->positions();
  const std::uint64_t problems = p.problems();
  if (problems <= position_problems_logged_) return;
  try {
    log(kWarn, fmt::format("position rejected ({} so far, {} slots of {} in use): {}", problems,
                           p.size(), p.capacity(), p.last_problem()));
  } catch (...) {
    // formatting failed (allocation): the counters still show it
  }
  position_problems_logged_ = problems;
}

void VenueRunner::stop_on_thread() noexcept {
  if (stopping_) return;
  stopping_ = true;
  try {
    timer_->cancel();
    session_->stop();
  } catch (const std::exception& e) {
    log(4, e.what());  // the books and segment below are what readers rely on
  }
  books_->set_all(feeds::BookStatus::disconnected, feeds::realtime_ns());
  writer_->set_state(shm::SegmentState::closed);
  publish_summary();
  // Do not wait for a graceful websocket close: the segment is already final.
  io_->stop();
}

void VenueRunner::publish_summary() noexcept {
  constexpr auto kRelaxed = std::memory_order_relaxed;
  std::array<std::uint32_t, kStatusCount> counts{};
  for (std::uint32_t i = 0; i < books_->size(); ++i) {
    const auto s = static_cast<std::size_t>(books_->status(i));
    if (s < kStatusCount) ++counts[s];
  }
  for (std::size_t s = 0; s < kStatusCount; ++s)
    summary_.books_by_status[s].store(counts[s], kRelaxed);
  if (books_->size() > 0 &&
      counts[static_cast<std::size_t>(feeds::BookStatus::live)] == books_->size()) {
    summary_.ever_all_live.store(true, kRelaxed);
  }
  const feeds::SessionStats& st = session_->stats();
  summary_.connects.store(st.connects, kRelaxed);
  summary_.connect_failures.store(st.connect_failures, kRelaxed);
  summary_.disconnects.store(st.disconnects, kRelaxed);
  summary_.oversized_frames.store(st.oversized_frames, kRelaxed);
  summary_.tls_failures.store(st.tls_failures, kRelaxed);
  summary_.throttled.store(st.throttled, kRelaxed);
  summary_.connected.store(session_->connected(), kRelaxed);
  if (st.connects > 0 || st.connect_failures > 0) summary_.attempted.store(true, kRelaxed);
}

}  // namespace wirebook::daemon
