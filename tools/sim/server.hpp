#pragma once
// The listener of one venue over plain TCP or TLS (Beast lives only in
// server.cpp; this header is cheap to include). It serves the venue module's
// transport on the module's path and hands plain GETs to Venue::rest().
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

class Listener {
 public:
  // Binds and starts accepting; port 0 picks a free port. `tls` null means
  // plain TCP. Throws std::system_error when the port cannot be bound and
  // std::invalid_argument for a transport the server does not speak yet (SSE).
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
