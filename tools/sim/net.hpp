#pragma once
// The seam between the server (server.cpp, the only place that includes
// Beast) and venue protocol code, which only sees these interfaces. They say
// nothing of WebSocket framing, so a streaming-HTTP (SSE) connection can sit
// behind them too.
//
// Threading: everything runs on the simulator's single io thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace wirebook::sim {

using SharedFrame = std::shared_ptr<const std::string>;

[[nodiscard]] inline SharedFrame make_frame(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

// The sending side of one accepted client connection.
class Connection {
 public:
  virtual ~Connection() = default;
  // Queues one text frame (a WebSocket message; on an SSE stream, bytes of the
  // event stream as the venue formatted them, one HTTP chunk). Frames go out
  // in call order.
  virtual void send(SharedFrame frame) = 0;
  // Sends the queued frames, then a graceful close (WebSocket: close frame with `code`).
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  // Closes the TCP socket now: no close frame, queued frames are lost.
  virtual void drop_tcp() = 0;
  // Writes the framing header of `frame` and half its payload, then closes TCP.
  virtual void close_mid_frame(SharedFrame frame) = 0;
  // False once closing or closed: frames sent now would be discarded.
  [[nodiscard]] virtual bool alive() const = 0;
  [[nodiscard]] virtual std::size_t queued_bytes() const = 0;
  [[nodiscard]] virtual std::uint64_t id() const = 0;
  [[nodiscard]] virtual bool tls() const = 0;
};

// The protocol side of one connection (a venue session), owned by the venue.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // WebSocket: one text message. SSE (the client never speaks after its
  // request): called once, with the request target ("/path?query").
  virtual void on_text(std::string_view text) = 0;
  // The connection is gone; the handler must not touch it afterwards.
  virtual void on_closed() = 0;
};

// Plain HTTP GET for a venue with a REST side (Venue::rest()): requests on its
// port that are not a stream request go here. Returns the HTTP status and fills
// `body` (JSON).
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  virtual int http_get(std::string_view target, std::string& body) = 0;
};

}  // namespace wirebook::sim
