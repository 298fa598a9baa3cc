#pragma once
// A small blocking WebSocket client for the simulator tests (ws:// and wss://
// with certificate + host verification against a CA file). Beast stays in
// ws_client.cpp so each test file compiles quickly.
//
// Threading: one thread per client.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace wirebook::simtest {

enum class ReadStatus { ok, closed, timeout, error };

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Connects and upgrades; returns "" on success, else an error description
  // (http_status() tells a rejected upgrade, e.g. 429).
  std::string connect(const std::string& url, const std::string& ca_file,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));
  bool send(std::string_view text);
  // Waits up to `timeout` for the next message. A read that times out stays
  // pending and completes on a later call, so no message is ever lost.
  ReadStatus read(std::string& out, std::chrono::milliseconds timeout);
  void close();

  [[nodiscard]] int http_status() const;
  [[nodiscard]] int close_code() const;
  [[nodiscard]] std::string close_reason() const;
  [[nodiscard]] std::string error_text() const;
  void set_max_message(std::size_t bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads frames until one contains `needle`; returns it, or "" on timeout/close.
std::string await(WsClient& c, const std::string& needle,
                  std::chrono::milliseconds timeout = std::chrono::seconds(20));
// Reads until the connection ends; returns the close code (0: no close frame,
// -1: still open after `timeout`).
int await_close(WsClient& c, std::chrono::milliseconds timeout);

}  // namespace wirebook::simtest
