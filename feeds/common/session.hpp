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
#include <utility>
#include <vector>

#include "feeds/common/outbox.hpp"
#include "feeds/common/sse_parser.hpp"
#include "shm/prefetch.hpp"

namespace boost::asio {
class io_context;
}

namespace wirebook::feeds {

class RateGate;

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
  // For an idle venue thread (the daemon's HotPathWarmer): prefetches the
  // handler's own per-frame state, so the next frame finds it in cache.
  // Changes nothing.
  virtual void warm() const noexcept {}

  // ---- Multi-stream transports (the SSE session) ----------------------------
  // An SSE session holds one HTTP stream per target, each connected,
  // reconnected and backed off on its own. The defaults make a one-stream
  // handler work unchanged: its stream's events reach on_frame and its
  // open/close reach on_open/on_close. A multi-stream handler overrides them
  // and learns which stream each call is about. WebSocket sessions never call
  // these.
  //
  // The request targets ("/path?query"), one stream each; asked once when the
  // session is built. Empty: the one SessionOptions::target.
  [[nodiscard]] virtual std::vector<std::string> stream_targets() const { return {}; }
  // Extra request headers for every stream (e.g. an API key: never logged).
  [[nodiscard]] virtual std::vector<std::pair<std::string, std::string>> stream_headers(
      std::size_t /*stream*/) const {
    return {};
  }
  // False: leave the stream down (e.g. the venue refused it for good); asked
  // before every connect attempt.
  [[nodiscard]] virtual bool stream_enabled(std::size_t /*stream*/) const noexcept { return true; }
  virtual void on_stream_open(std::size_t /*stream*/, std::int64_t now_mono_ns) {
    on_open(now_mono_ns);
  }
  virtual void on_stream_close(std::size_t /*stream*/, std::int64_t now_mono_ns) {
    on_close(now_mono_ns);
  }
  // One event of `stream`; true: reconnect that stream only.
  virtual bool on_stream_event(std::size_t /*stream*/, const SseEvent& event,
                               std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept {
    return on_frame(event.data, event.len, event.capacity, recv_realtime_ns, recv_mono_ns);
  }
  // The server answered the stream's request with HTTP `http_status` (not
  // 200); the session then logs it and retries with its backoff unless
  // stream_enabled() has turned false (e.g. a refused API key).
  virtual void on_stream_refused(std::size_t /*stream*/, unsigned /*http_status*/) noexcept {}
  // A comment line (the venues' heartbeat).
  virtual void on_stream_comment(std::size_t /*stream*/, std::string_view /*text*/,
                                 std::int64_t /*recv_mono_ns*/) noexcept {}
  // Called for every open stream on the session's timer; true: reconnect it.
  virtual bool on_stream_timer(std::size_t /*stream*/, std::int64_t /*now_mono_ns*/) noexcept {
    return false;
  }
};

// FrameHandler::warm of a handler over a venue feed: the feed object, then
// what the feed's warm() adds (its sequencer's and its parser's state).
template <class Feed>
void warm_feed(const Feed& feed) noexcept {
  shm::prefetch_for_write(&feed, sizeof feed);
  feed.warm();
}

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
  // SSE: a stream with no bytes at all (not even a comment) for this long is
  // failed and reconnected; no pings (the server sends the heartbeats).
  std::int64_t keepalive_idle_ns = 0;
  // > 0: a reconnect never starts sooner than this after the previous attempt
  // started, whatever the jittered backoff drew (a venue's connection rate limit).
  std::int64_t min_connect_interval_ns = 0;
  // Not null: every connection attempt (each SSE stream's too) first takes a
  // token from the venue's connection bucket, shared by all the venue's
  // sessions and streams, and waits for it when there is none
  // (rate_limit.hpp). Not owned; outlives the session; venue thread only.
  RateGate* connect_gate = nullptr;
};

// Session counters, venue thread only (the daemon copies them on its tick).
struct SessionStats {
  std::uint64_t connects = 0;  // handshakes completed
  std::uint64_t connect_failures = 0;
  std::uint64_t disconnects = 0;
  std::uint64_t oversized_frames = 0;  // SSE: a line or an event over the bound
  std::uint64_t tls_failures = 0;
  std::uint64_t throttled = 0;      // HTTP 429/418 on the handshake
  std::uint64_t frames = 0;         // SSE: events
  std::uint64_t silent_closes = 0;  // keepalive_idle_ns passed without a byte
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
