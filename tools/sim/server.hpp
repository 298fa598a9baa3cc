#pragma once
// WebSocket listener for one venue over ws:// or wss:// (Beast lives only in
// server.cpp; this header is cheap to include).
//
// Threading: construct, use and destroy on the io thread that runs `io`.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace wirebook::sim {

class Venue;
struct TlsMaterial;

// Plain HTTP GET for a venue with a REST side (O2): requests that are not a
// WebSocket upgrade go here. Returns the HTTP status and fills `body` (JSON).
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  virtual int http_get(std::string_view target, std::string& body) = 0;
};

class Listener {
 public:
  // Binds and starts accepting; port 0 picks a free port. `tls` null means
  // plain ws://. `http` (optional) answers plain GETs on the same port (over
  // TLS too). Throws std::system_error when the port cannot be bound.
  Listener(boost::asio::io_context& io, Venue& venue, const std::string& bind_address,
           std::uint16_t port, const TlsMaterial* tls, HttpResponder* http = nullptr);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  [[nodiscard]] bool tls() const noexcept;
  void stop();  // stops accepting; existing connections continue

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace wirebook::sim
