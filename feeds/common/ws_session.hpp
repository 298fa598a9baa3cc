#pragma once
// WebSocket client session for one venue (DESIGN.md §1, §5): wss:// over
// OpenSSL (SNI, hostname verification, the system CA store or `ca_file`;
// `verify = false` only with a loud warning) or plain ws:// for loopback.
// Frames land in a reused receive buffer that keeps >= SIMDJSON_PADDING spare
// bytes so parsers read in place. Reconnects with exponential backoff and full
// jitter (base 100 ms, cap 30 s, reset after a stable minute; longer after an
// HTTP 429/418 on the handshake). A frame above `max_frame_bytes` is counted
// and forces a reconnect.
//
// Beast stays in ws_session.cpp: this header only forward-declares Asio.
// Threading: everything runs on the io_context's thread (the venue thread);
// send_text() must be called from that thread too.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "feeds/common/outbox.hpp"

namespace boost::asio {
class io_context;
}

namespace wirebook::feeds {

// The venue logic driven by a session (WooFeed, PulseFeed ... via adapters).
class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  virtual void on_open(std::int64_t now_mono_ns) = 0;
  virtual void on_close(std::int64_t now_mono_ns) = 0;
  // Returns true when the session must reconnect (e.g. venue silent too long).
  virtual bool on_frame(const char* data, std::size_t len, std::size_t capacity,
                        std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept = 0;
  virtual bool on_timer(std::int64_t now_mono_ns) noexcept = 0;
};

struct WsOptions {
  std::string scheme = "wss";  // ws | wss
  std::string host;
  std::uint16_t port = 443;
  std::string target = "/";
  bool verify = true;
  std::string ca_file;  // empty: system store
  std::size_t max_frame_bytes = 16U << 20U;
  std::int64_t connect_timeout_ns = 10'000'000'000;
  std::int64_t timer_interval_ns = 100'000'000;  // FrameHandler::on_timer cadence
  std::int64_t backoff_base_ns = 100'000'000;
  std::int64_t backoff_cap_ns = 30'000'000'000;
  std::int64_t backoff_reset_after_ns = 60'000'000'000;   // connected this long: reset
  std::int64_t backoff_throttled_min_ns = 5'000'000'000;  // after HTTP 429/418
  std::uint64_t seed = 0;                                 // jitter RNG seed (0: random)
  // > 0: WebSocket-level liveness (venues without an application heartbeat,
  // e.g. O2): a ping frame when nothing arrived for half of it, and the
  // session fails (and reconnects) when nothing, not even a pong, arrived for
  // all of it.
  std::int64_t ws_idle_timeout_ns = 0;
};

// Session counters (relaxed atomics would be needed for cross-thread reads;
// the daemon reads them through snapshot() on the venue thread).
struct WsStats {
  std::uint64_t connects = 0;  // handshakes completed
  std::uint64_t connect_failures = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t oversized_frames = 0;
  std::uint64_t tls_failures = 0;
  std::uint64_t throttled = 0;  // HTTP 429/418 on the handshake
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  std::int64_t last_backoff_ns = 0;
};

// Log sink for cold-path messages (connects, failures, backoff). Levels:
// 0 debug, 1 info, 2 warn, 3 error. The daemon routes it to spdlog through its
// queue; tests capture it. Messages never contain credentials.
using SessionLog = std::function<void(int level, std::string_view message)>;

class WsSession final : public Outbox {
 public:
  WsSession(boost::asio::io_context& io, WsOptions options, FrameHandler& handler,
            SessionLog log = {});
  ~WsSession() override;
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  void start();  // first connect attempt (posts to the io_context)
  void stop();   // close the socket, cancel timers; no more reconnects
  void send_text(std::string_view frame) override;

  [[nodiscard]] const WsStats& stats() const noexcept;
  [[nodiscard]] bool connected() const noexcept;
  // Next reconnect delay for attempt n (exposed for tests of the backoff law).
  [[nodiscard]] static std::int64_t backoff_delay(const WsOptions& o, unsigned attempt,
                                                  std::uint64_t random) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wirebook::feeds
