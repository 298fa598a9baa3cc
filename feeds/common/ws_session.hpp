#pragma once
// The WebSocket session (session.hpp's contract): wss:// over OpenSSL or plain
// ws:// for loopback, Beast behind it in ws_session.cpp. Reconnect backoff is
// longer after an HTTP 429/418 on the handshake; with keepalive_idle_ns the
// session pings and fails a silent socket.
//
// Threading: everything runs on the io_context's thread (the venue thread);
// send_text() must be called from that thread too.
#include <memory>

#include "feeds/common/session.hpp"

namespace wirebook::feeds {

class WsSession final : public Session {
 public:
  WsSession(boost::asio::io_context& io, SessionOptions options, FrameHandler& handler,
            SessionLog log = {});
  ~WsSession() override;
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  void start() override;
  void stop() override;
  void send_text(std::string_view frame) override;

  [[nodiscard]] const SessionStats& stats() const noexcept override;
  [[nodiscard]] bool connected() const noexcept override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wirebook::feeds
