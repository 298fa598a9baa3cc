#pragma once
// Cold-side reporting: the periodic stats line, Prometheus text and a tiny
// HTTP endpoint serving it (DESIGN.md §7: 127.0.0.1:<port>/metrics, off
// unless configured).
// Threading: everything here runs on the cold thread; it reads venues only
// through VenueRunner::summary() and counters() (relaxed atomics).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "config/url.hpp"

namespace wirebook::daemon {

class VenueRunner;

// "woo: frames=... bytes=... malformed=... gaps=... resyncs=... reconnects=... books live=4/4 ..."
[[nodiscard]] std::string stats_line(const VenueRunner& venue);
// Prometheus text exposition format 0.0.4 for every venue.
[[nodiscard]] std::string prometheus_text(const std::vector<std::unique_ptr<VenueRunner>>& venues,
                                          std::uint64_t log_drops);

// Serves GET /metrics (body from `render`) and 404 for anything else, on the
// given io_context. Throws boost::system::system_error when it cannot bind.
class MetricsServer {
 public:
  MetricsServer(boost::asio::io_context& io, const config::HostPort& listen,
                std::function<std::string()> render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  void close() noexcept;
  [[nodiscard]] std::uint16_t port() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wirebook::daemon
