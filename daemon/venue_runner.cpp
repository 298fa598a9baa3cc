#include "daemon/venue_runner.hpp"

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include "config/secret.hpp"
#include "daemon/log_queue.hpp"
#include "feeds/common/clock.hpp"
#include "feeds/o2/markets.hpp"
#include "feeds/o2/rest_client.hpp"
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

feeds::WsOptions ws_options(const config::VenueConfig& venue) {
  feeds::WsOptions o;
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
  if (venue.kind == config::VenueKind::o2) {
    // O2 documents no application heartbeat: WebSocket pings, and a silent
    // socket (not even a pong) for two heartbeat periods is dead.
    const std::int64_t hb_s = venue.heartbeat_s > 0 ? venue.heartbeat_s : 30;
    o.ws_idle_timeout_ns = 2 * hb_s * 1'000'000'000;
  }
  return o;
}

namespace {

// O2 market ids in symbol order: pinned in config, else looked up once at
// start-up through GET /api/v1/markets (throws with the reason on failure).
std::vector<std::int64_t> o2_market_ids(const config::VenueConfig& venue) {
  std::vector<std::int64_t> ids;
  if (!venue.o2.market_ids.empty()) {
    for (const auto& sym : venue.symbols) {
      for (const auto& [s, id] : venue.o2.market_ids) {
        if (s == sym) ids.push_back(id);
      }
    }
    return ids;
  }
  feeds::o2::RestEndpoint ep;
  if (const std::string err = feeds::o2::parse_rest_base(venue.o2.rest_url, ep); !err.empty()) {
    throw std::runtime_error(fmt::format("venue '{}': rest_url {}", venue.name, err));
  }
  ep.verify = venue.tls.verify;
  ep.ca_file = venue.tls.ca_file;
  const auto reply = feeds::o2::https_get(ep, "/api/v1/markets", std::chrono::seconds(10));
  if (reply.status != 200) {
    throw std::runtime_error(
        fmt::format("venue '{}': GET {}/api/v1/markets failed: {}", venue.name, venue.o2.rest_url,
                    reply.status == 0 ? reply.error : "HTTP " + std::to_string(reply.status)));
  }
  const auto markets = feeds::o2::parse_markets(reply.body);
  if (markets.status != feeds::o2::RestStatus::ok) {
    throw std::runtime_error(
        fmt::format("venue '{}': GET /api/v1/markets: {}", venue.name, markets.error));
  }
  for (const auto& m : feeds::o2::resolve_markets(venue.symbols, markets.markets)) {
    ids.push_back(m.market_id);
  }
  return ids;
}

}  // namespace

feeds::FeedSettings feed_settings(const config::VenueConfig& venue) {
  feeds::FeedSettings s;
  s.trades = venue.woo.trades;
  s.bbo = venue.kind == config::VenueKind::pulse ? venue.pulse.quotes : venue.woo.bbo;
  s.max_frame_bytes = venue.max_frame_bytes;
  if (venue.stale_ms > 0) s.stale_after_ns = static_cast<std::int64_t>(venue.stale_ms) * 1'000'000;
  if (venue.heartbeat_s > 0) {
    s.heartbeat_ns = static_cast<std::int64_t>(venue.heartbeat_s) * 1'000'000'000;
  }
  if (venue.kind == config::VenueKind::pulse) {
    s.interval = std::string(config::to_string(venue.pulse.interval));
  }
  if (venue.kind == config::VenueKind::o2) {
    s.market_ids = o2_market_ids(venue);
    s.trades = venue.o2.trades;
    s.ticker = venue.o2.ticker;
    s.mark_price = venue.o2.mark_price;
    s.funding = venue.o2.funding;
    s.rest_url = venue.o2.rest_url;
    s.rest_verify = venue.tls.verify;
    s.rest_ca_file = venue.tls.ca_file;
    s.rest_check_ns = static_cast<std::int64_t>(venue.o2.rest_check_interval_s) * 1'000'000'000;
  }
  // Venue login when both credentials are configured (start-up path: a missing
  // variable or unreadable file throws ConfigError). client_signature is used
  // so the secret itself never goes on the wire; it is never logged.
  if (venue.api_key.given() && venue.api_secret.given()) {
    const auto creds = config::resolve_credentials(venue);
    s.auth = feeds::FeedSettings::Auth::signature;
    s.api_key = std::string(creds.api_key.reveal());
    s.api_secret = std::string(creds.api_secret.reveal());
  }
  return s;
}

VenueRunner::VenueRunner(std::uint8_t index, const config::VenueConfig& venue,
                         std::unique_ptr<shm::VenueWriter> writer,
                         const feeds::VenueKindEntry& kind, LogQueue& log)
    : index_(index),
      venue_(venue),
      log_(log),
      writer_(std::move(writer)),
      io_(std::make_unique<boost::asio::io_context>(1)),
      timer_(std::make_unique<boost::asio::steady_timer>(*io_)) {
  // Built here (cold thread, start-up) but used only on the venue thread once
  // start() creates it; std::thread's start is the synchronisation point.
  books_ = std::make_unique<feeds::VenueBooks>(instrument_specs(venue_), venue_.max_levels,
                                               kBufferOps, writer_.get());
  handler_ = kind.make(*books_, outbox_, feed_settings(venue_));
  if (!handler_) throw std::runtime_error(fmt::format("venue '{}': no handler", venue_.name));
  session_ = std::make_unique<feeds::WsSession>(
      *io_, ws_options(venue_), *handler_,
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
    writer_->idle(feeds::monotonic_ns());
    session_->start();
    arm_timer();
    io_->run();
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

void VenueRunner::arm_timer() {
  timer_->expires_after(kTick);
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    on_tick();
    arm_timer();
  });
}

void VenueRunner::on_tick() noexcept {
  writer_->idle(feeds::monotonic_ns());
  // Venue error replies reach the log from here (at most one line per tick,
  // with the count), never from the frame path.
  const std::uint64_t errors = books_->counters().errors.load(std::memory_order_relaxed);
  if (errors > errors_logged_) {
    try {
      log(kWarn, fmt::format("venue error reply ({} so far): {}", errors, books_->last_error()));
    } catch (...) {
      // formatting failed (allocation): the counter still shows it
    }
    errors_logged_ = errors;
  }
  publish_summary();
  bump(summary_.ticks);
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
  const feeds::WsStats& st = session_->stats();
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
