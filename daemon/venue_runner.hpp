#pragma once
// One venue's hot side (DESIGN.md §1): a named, optionally pinned and
// real-time thread that owns an io_context, the venue's books (publishing to
// its shared-memory segment), the venue's feed from its venue module, the
// module's transport session and a 100 ms housekeeping timer (segment heartbeat, the
// summary below).
//
// Threading: construct, start(), request_stop(), join() and destroy from the
// cold thread. Everything else runs on the venue thread. The cold thread
// reads only VenueSummary (relaxed atomics the venue thread refreshes every
// tick) and the books' counters (relaxed atomics).
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.hpp"
#include "feeds/common/rate_limit.hpp"
#include "feeds/common/session.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/common/venue_module.hpp"

namespace wirebook::shm {
class VenueWriter;
class MemberLines;
}  // namespace wirebook::shm

namespace wirebook::daemon {

class LogQueue;
class HotPathWarmer;
class VenueRecorder;
class RecordingHandler;

inline constexpr std::size_t kStatusCount = 5;  // feeds::BookStatus values

// What the cold side may read about a venue (written by the venue thread).
struct VenueSummary {
  std::array<std::atomic<std::uint32_t>, kStatusCount> books_by_status{};
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> connect_failures{0};
  std::atomic<std::uint64_t> disconnects{0};
  std::atomic<std::uint64_t> oversized_frames{0};
  std::atomic<std::uint64_t> tls_failures{0};
  std::atomic<std::uint64_t> throttled{0};
  std::atomic<bool> connected{false};
  std::atomic<bool> attempted{false};  // connected once, or failed its first attempt
  std::atomic<bool> ever_all_live{false};
  std::atomic<bool> finished{false};       // the venue thread has returned
  std::atomic<std::uint64_t> ticks{0};     // housekeeping ticks: the venue loop turns
  std::atomic<std::uint64_t> cpu_ns{0};    // the venue thread's CPU time, as of the last tick
  std::atomic<std::uint64_t> warmings{0};  // hot-path warmings while idle (idle = spin | backoff)
  // Feed latency over the last FeedLatency::kSeconds, as of the last roll (once a second).
  std::atomic<std::int64_t> feed_p50_ns{0};
  std::atomic<std::int64_t> feed_p99_ns{0};
  std::atomic<std::uint64_t> feed_samples{0};
  std::atomic<std::uint64_t> feed_ahead{0};
};

// The Outbox a FrameHandler is built with before its session exists
// (the session needs the handler, the handler needs the session's outbox).
class ForwardingOutbox final : public feeds::Outbox {
 public:
  void bind(feeds::Outbox* target) noexcept { target_ = target; }
  void send_text(std::string_view frame) override {
    if (target_ != nullptr) target_->send_text(frame);
  }

 private:
  feeds::Outbox* target_ = nullptr;
};

class VenueRunner {
 public:
  // Throws when the feed or its session cannot be built. With a recorder,
  // the feed's inputs and sent frames are recorded (recorder.hpp).
  // `lines`: the venue's members in the consolidated segment (null: none).
  VenueRunner(std::uint8_t index, const config::VenueConfig& venue,
              std::unique_ptr<shm::VenueWriter> writer, const feeds::VenueModule& module,
              LogQueue& log, VenueRecorder* recorder = nullptr,
              std::unique_ptr<shm::MemberLines> lines = nullptr);
  ~VenueRunner();
  VenueRunner(const VenueRunner&) = delete;
  VenueRunner& operator=(const VenueRunner&) = delete;

  void start();
  // Thread-safe: asks the venue thread to stop its session, mark every book
  // DISCONNECTED and close its segment; the thread then returns.
  void request_stop();
  // Last resort when the thread did not return in time: stop the io_context.
  void force_stop() noexcept { io_->stop(); }
  void join();

  [[nodiscard]] const std::string& name() const noexcept { return venue_.name; }
  [[nodiscard]] const VenueSummary& summary() const noexcept { return summary_; }
  [[nodiscard]] const feeds::VenueCounters& counters() const noexcept;
  [[nodiscard]] std::uint32_t book_count() const noexcept;
  // The venue's connection and REST buckets (their delays for the metrics).
  [[nodiscard]] const feeds::RateGate& connect_gate() const noexcept { return *connect_gate_; }
  [[nodiscard]] const feeds::RateGate& rest_gate() const noexcept { return *rest_gate_; }
  // nullptr when the venue is not recorded.
  [[nodiscard]] const VenueRecorder* recorder() const noexcept { return recorder_; }

 private:
  void run() noexcept;
  void run_loop();
  void spin(std::int64_t spin_ns);
  void configure_thread();
  void arm_timer();
  void on_tick() noexcept;
  void idle() noexcept;
  void roll_feed_latency(std::int64_t now_monotonic_ns) noexcept;
  void log_position_problems() noexcept;
  void log_new(int level, std::string_view what, const std::atomic<std::uint64_t>& count,
               std::uint64_t& logged, std::string_view latest) noexcept;
  void stop_on_thread() noexcept;
  void publish_summary() noexcept;
  void log(int level, std::string_view message) noexcept;

  std::uint8_t index_;
  config::VenueConfig venue_;
  LogQueue& log_;
  std::unique_ptr<shm::VenueWriter> writer_;
  std::unique_ptr<shm::MemberLines> lines_;  // before books_, which writes them
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::unique_ptr<feeds::VenueBooks> books_;
  std::uint64_t errors_logged_ = 0;             // venue errors already logged (venue thread)
  std::uint64_t notices_logged_ = 0;            // venue notices already logged
  std::uint64_t position_problems_logged_ = 0;  // rejected positions already logged
  ForwardingOutbox outbox_;
  // Before handler_ and session_, which use them (venue thread only after start).
  std::unique_ptr<feeds::RateGate> connect_gate_;
  std::unique_ptr<feeds::RateGate> rest_gate_;
  VenueRecorder* recorder_ = nullptr;
  RecordingHandler* recording_ = nullptr;  // handler_ itself when recording
  std::unique_ptr<feeds::FrameHandler> handler_;
  std::unique_ptr<HotPathWarmer> warmer_;  // idle = spin | backoff with warm_us > 0
  std::unique_ptr<feeds::Session> session_;
  VenueSummary summary_;
  bool stopping_ = false;  // venue thread only
  std::thread thread_;
};

// The venue's session options from its config and its module's transport rules.
[[nodiscard]] feeds::SessionOptions session_options(const config::VenueConfig& venue,
                                                    const feeds::VenueModule& module);
// The venue's credentials, resolved (start-up: a missing variable or an
// unreadable file throws ConfigError); Use::none when none are configured.
[[nodiscard]] feeds::Credentials credentials(const config::VenueConfig& venue);

}  // namespace wirebook::daemon
