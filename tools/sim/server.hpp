#pragma once
// WebSocket listener for one venue over ws:// or wss:// (Beast lives only in
// server.cpp; this header is cheap to include).
//
// Threading: construct, use and destroy on the io thread that runs `io`.
#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace wirebook::sim {

class Venue;
struct TlsMaterial;

class Listener {
 public:
  // Binds and starts accepting; port 0 picks a free port. `tls` null means
  // plain ws://. Throws std::system_error when the port cannot be bound.
  Listener(boost::asio::io_context& io, Venue& venue, const std::string& bind_address,
           std::uint16_t port, const TlsMaterial* tls);
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
