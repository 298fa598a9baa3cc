#pragma once
// The Server-Sent Events session (session.hpp's contract): one HTTP GET with
// `Accept: text/event-stream` per stream target (FrameHandler::stream_targets,
// or SessionOptions::target), over https:// (OpenSSL, verified exactly as the
// WebSocket session does) or plain http:// for loopback. Beast decodes the
// chunked body; SseParser (sse_parser.hpp) turns it into events, handed to the
// handler with the stream's index.
//
// Each stream connects, fails and reconnects on its own, with its own jittered
// backoff (longer after HTTP 429/418): a handler asking for one stream's
// reconnect (on_stream_event / on_stream_timer returning true: a resync, so
// its backoff starts over) leaves the
// others alone; on_timer returning true reconnects every stream. A line or
// event over `max_frame_bytes` is counted (oversized_frames) and reconnects
// that stream; with keepalive_idle_ns, a stream silent that long is counted
// (silent_closes) and reconnected. The server ending the response is a
// disconnect like any other. The stream's last `retry:` is the least wait
// before it reconnects after a failure (capped at backoff_cap_ns; a resync
// the handler asked for does not wait for it). A reconnect always starts a
// fresh stream (no Last-Event-ID): venues re-snapshot on connect.
//
// send_text() drops the text: SSE has no upstream direction.
//
// Threading: everything runs on the io_context's thread (the venue thread).
#include <memory>

#include "feeds/common/session.hpp"

namespace wirebook::feeds {

class SseSession final : public Session {
 public:
  SseSession(boost::asio::io_context& io, SessionOptions options, FrameHandler& handler,
             SessionLog log = {});
  ~SseSession() override;
  SseSession(const SseSession&) = delete;
  SseSession& operator=(const SseSession&) = delete;

  void start() override;
  void stop() override;
  void send_text(std::string_view frame) override;

  [[nodiscard]] const SessionStats& stats() const noexcept override;
  // True while every stream is connected.
  [[nodiscard]] bool connected() const noexcept override;
  [[nodiscard]] std::size_t streams() const noexcept;
  [[nodiscard]] bool stream_connected(std::size_t stream) const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wirebook::feeds
