#pragma once
// URL and host:port parsing for the config validator. std only; no name lookup.
// Threading: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wirebook::config {

struct HostPort {
  std::string host;  // IPv6 without brackets
  std::uint16_t port = 0;
};

// scheme://host[:port][/path][?query]. Userinfo and fragments are rejected.
struct Url {
  std::string scheme;        // lower case: ws, wss, http, https
  std::string host;          // lower case; IPv6 without brackets
  std::uint16_t port = 0;    // explicit or the scheme's default
  std::string target = "/";  // path plus query, always starts with '/'
  [[nodiscard]] bool tls() const noexcept { return scheme == "wss" || scheme == "https"; }
};

// Returns nullopt on success and fills out; otherwise the reason ("has no host").
[[nodiscard]] std::optional<std::string> parse_url(std::string_view text, Url& out);
// "127.0.0.1:9100", "[::1]:9100", "localhost:9100". Host must be an IP literal
// or localhost (the metrics listener binds it; no DNS at start-up).
[[nodiscard]] std::optional<std::string> parse_listen_address(std::string_view text, HostPort& out);

[[nodiscard]] bool is_ipv4_literal(std::string_view host) noexcept;
[[nodiscard]] bool is_ipv6_literal(std::string_view host) noexcept;
[[nodiscard]] bool is_dns_name(std::string_view host) noexcept;
// 127.0.0.0/8, ::1 and localhost.
[[nodiscard]] bool is_loopback_host(std::string_view host) noexcept;

}  // namespace wirebook::config
