#pragma once
// The transport behind a venue (DESIGN.md §1, §2): one interface for the
// WebSocket session (ws_session.hpp), a Server-Sent-Events session and any
// later one. A venue module names its transport; the daemon builds the session
// through make_session and drives it without knowing which it is.
//
// Every session: TLS with SNI and hostname verification against the system
// store or `ca_file` (`verify = false` only with a loud warning), plain
// schemes for loopback; frames (or events) land in a reused receive buffer
// with >= SIMDJSON_PADDING spare bytes so parsers read in place; reconnects
// with exponential backoff and full jitter (backoff_delay); a frame above
// `max_frame_bytes` is counted and forces a reconnect.
//
// No Asio or Beast in this header. Threading: a session runs on its
// io_context's thread (the venue thread); send_text() only from that thread.
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

enum class Transport : std::uint8_t { websocket, sse };
[[nodiscard]] const char* to_string(Transport t) noexcept;

// The venue logic a session drives (a venue module's feed, through an adapter).
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

struct SessionOptions {
  std::string scheme = "wss";  // wss | ws (WebSocket); https | http (SSE)
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
  // > 0: transport-level liveness for venues without an application heartbeat
  // (e.g. O2): a ping when nothing arrived for half of it, and the session
  // fails (and reconnects) when nothing, not even a pong, arrived for all of it.
  std::int64_t keepalive_idle_ns = 0;
  // > 0: a reconnect never starts sooner than this after the previous attempt
  // started, whatever the jittered backoff drew (a venue's connection rate limit).
  std::int64_t min_connect_interval_ns = 0;
};

// Session counters, venue thread only (the daemon copies them on its tick).
struct SessionStats {
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

class Session : public Outbox {
 public:
  virtual void start() = 0;  // first connect attempt (posts to the io_context)
  virtual void stop() = 0;   // close the connection, cancel timers; no more reconnects
  [[nodiscard]] virtual const SessionStats& stats() const noexcept = 0;
  [[nodiscard]] virtual bool connected() const noexcept = 0;
};

// The session for `transport`; throws std::invalid_argument for a transport
// this build does not implement or options it cannot use (a wrong scheme).
[[nodiscard]] std::unique_ptr<Session> make_session(Transport transport,
                                                    boost::asio::io_context& io,
                                                    SessionOptions options, FrameHandler& handler,
                                                    SessionLog log = {});

// The reconnect delay before attempt n: full jitter, uniform in
// [0, min(cap, base * 2^n)] drawn from `random`.
[[nodiscard]] std::int64_t backoff_delay(const SessionOptions& o, unsigned attempt,
                                         std::uint64_t random) noexcept;

}  // namespace wirebook::feeds
