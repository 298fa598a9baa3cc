#include "tools/wirebook/daemon_metrics.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace wirebook::cli {

namespace {

class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

std::pair<std::string, std::string> split_host_port(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == host_port.size()) {
    throw std::runtime_error("--metrics wants HOST:PORT (the daemon's metrics_listen), got '" +
                             host_port + "'");
  }
  return {host_port.substr(0, colon), host_port.substr(colon + 1)};
}

// A connected TCP socket with send and receive timeouts.
int connect_to(const std::string& host_port, int timeout_ms) {
  const auto [host, port] = split_host_port(host_port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    throw std::runtime_error("metrics endpoint " + host_port + ": " + gai_strerror(rc));
  }
  const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  const int err = fd < 0 || ::connect(fd, found->ai_addr, found->ai_addrlen) != 0 ? errno : 0;
  freeaddrinfo(found);
  if (err != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("metrics endpoint " + host_port + ": " + std::strerror(err));
  }
  return fd;
}

// The text after `le="` up to the closing quote, as ns (+Inf: -1).
double bound_ns(std::string_view le) {
  if (le == "+Inf") return -1;
  return std::strtod(std::string(le).c_str(), nullptr) * 1e9;
}

}  // namespace

std::string fetch_metrics(const std::string& host_port, int timeout_ms) {
  const Fd fd(connect_to(host_port, timeout_ms));
  const std::string request =
      "GET /metrics HTTP/1.1\r\nHost: " + host_port + "\r\nConnection: close\r\n\r\n";
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    throw std::runtime_error("metrics endpoint " + host_port + ": " + std::strerror(errno));
  }
  std::string reply;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n == 0) break;  // the daemon closes after one reply
    if (n < 0) {
      throw std::runtime_error("metrics endpoint " + host_port + ": " + std::strerror(errno));
    }
    reply.append(buf, static_cast<std::size_t>(n));
  }
  const auto body = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/1.1 200", 0) != 0 || body == std::string::npos) {
    throw std::runtime_error("metrics endpoint " + host_port + ": not an HTTP 200 reply");
  }
  return reply.substr(body + 4);
}

std::vector<std::pair<double, std::uint64_t>> recv_to_publish_buckets(std::string_view exposition,
                                                                      std::string_view venue) {
  const std::string prefix =
      "wirebook_recv_to_publish_seconds_bucket{venue=\"" + std::string(venue) + "\",le=\"";
  std::vector<std::pair<double, std::uint64_t>> out;
  for (std::size_t at = 0; (at = exposition.find(prefix, at)) != std::string_view::npos;) {
    at += prefix.size();
    const auto quote = exposition.find('"', at);
    const auto space = exposition.find("} ", at);
    if (quote == std::string_view::npos || space == std::string_view::npos) break;
    const std::string count(exposition.substr(space + 2, 20));
    out.emplace_back(bound_ns(exposition.substr(at, quote - at)),
                     std::strtoull(count.c_str(), nullptr, 10));
  }
  return out;
}

double histogram_quantile(const std::vector<std::pair<double, std::uint64_t>>& h, double q) {
  if (h.empty() || h.back().second == 0) return 0;
  const double rank = q * static_cast<double>(h.back().second);
  double lower = 0;
  double seen = 0;
  for (const auto& [upper, cumulative] : h) {
    const auto cum = static_cast<double>(cumulative);
    if (cum >= rank) {
      if (upper < 0) return lower;  // +Inf: the last finite bound
      const double inside = cum - seen;
      return lower + (upper - lower) * (inside > 0 ? (rank - seen) / inside : 1.0);
    }
    lower = upper < 0 ? lower : upper;
    seen = cum;
  }
  return lower;
}

std::vector<std::pair<double, std::uint64_t>> histogram_between(
    const std::vector<std::pair<double, std::uint64_t>>& before,
    const std::vector<std::pair<double, std::uint64_t>>& after) {
  if (before.empty()) return after;
  if (before.size() != after.size()) return {};
  std::vector<std::pair<double, std::uint64_t>> out;
  for (std::size_t k = 0; k < after.size(); ++k) {
    if (before[k].first != after[k].first || before[k].second > after[k].second) return {};
    out.emplace_back(after[k].first, after[k].second - before[k].second);
  }
  return out;
}

std::optional<LatencyFigures> recv_to_publish(std::string_view exposition, std::string_view venue,
                                              std::string_view baseline) {
  const auto h = histogram_between(recv_to_publish_buckets(baseline, venue),
                                   recv_to_publish_buckets(exposition, venue));
  if (h.empty() || h.back().second == 0) return std::nullopt;
  return LatencyFigures{h.back().second, histogram_quantile(h, 0.5), histogram_quantile(h, 0.99),
                        histogram_quantile(h, 0.999)};
}

std::optional<double> venue_value(std::string_view exposition, std::string_view metric,
                                  std::string_view venue) {
  const std::string key = std::string(metric) + "{venue=\"" + std::string(venue) + "\"} ";
  for (std::size_t at = 0; (at = exposition.find(key, at)) != std::string_view::npos; ++at) {
    if (at > 0 && exposition[at - 1] != '\n') continue;  // a longer name ending in `metric`
    const auto end = exposition.find('\n', at);
    const std::string value(exposition.substr(at + key.size(), end - at - key.size()));
    char* stop = nullptr;
    const double v = std::strtod(value.c_str(), &stop);
    if (stop == value.c_str()) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

}  // namespace wirebook::cli
