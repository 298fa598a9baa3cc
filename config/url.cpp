#include "config/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace wirebook::config {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::string> parse_port(std::string_view text, std::uint16_t& out) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || value < 1 || value > 65535) {
    return "port must be 1..65535, got '" + std::string(text) + "'";
  }
  out = static_cast<std::uint16_t>(value);
  return std::nullopt;
}

// Splits "host[:port]" / "[v6][:port]" into host and optional port text.
std::optional<std::string> split_authority(std::string_view auth, std::string& host,
                                           std::optional<std::string_view>& port) {
  if (auth.empty()) return "has no host";
  if (auth.front() == '[') {
    const auto close = auth.find(']');
    if (close == std::string_view::npos) return "has an unterminated '[' in the host";
    host = lower(auth.substr(1, close - 1));
    if (!is_ipv6_literal(host)) return "has an invalid IPv6 address '" + host + "'";
    const auto rest = auth.substr(close + 1);
    if (rest.empty()) return std::nullopt;
    if (rest.front() != ':') return "has junk after the IPv6 address";
    port = rest.substr(1);
    return std::nullopt;
  }
  const auto colon = auth.rfind(':');
  if (colon != std::string_view::npos) {
    if (auth.find(':') != colon) return "has an IPv6 address without [brackets]";
    port = auth.substr(colon + 1);
    auth = auth.substr(0, colon);
  }
  host = lower(auth);
  if (host.empty()) return "has no host";
  if (!is_ipv4_literal(host) && !is_dns_name(host)) return "has an invalid host '" + host + "'";
  return std::nullopt;
}

}  // namespace

bool is_ipv4_literal(std::string_view host) noexcept {
  int parts = 0;
  while (true) {
    const auto dot = host.find('.');
    const auto part = host.substr(0, dot);
    if (part.empty() || part.size() > 3) return false;
    unsigned v = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 255 || (part.size() > 1 && part.front() == '0')) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  return parts == 4;
}

bool is_ipv6_literal(std::string_view host) noexcept {
  // Groups of 1..4 hex digits, at most one "::", 8 groups without it. No
  // embedded IPv4 and no zone ids: enough for config files.
  if (host.empty() || host.size() > 39) return false;
  const auto dbl = host.find("::");
  if (dbl != std::string_view::npos && host.find("::", dbl + 1) != std::string_view::npos) {
    return false;
  }
  int groups = 0;
  std::size_t i = 0;
  while (i < host.size()) {
    if (host[i] == ':') {
      if (i + 1 < host.size() && host[i + 1] == ':') {
        i += 2;
        continue;
      }
      if (i == 0 || i + 1 == host.size()) return false;
      ++i;
      continue;
    }
    std::size_t len = 0;
    while (i < host.size() && std::isxdigit(static_cast<unsigned char>(host[i])) != 0) {
      ++i;
      ++len;
    }
    if (len == 0 || len > 4) return false;
    ++groups;
  }
  return dbl == std::string_view::npos ? groups == 8 : groups < 8;
}

bool is_dns_name(std::string_view host) noexcept {
  if (host.empty() || host.size() > 253) return false;
  if (host.back() == '.') host.remove_suffix(1);
  while (true) {
    const auto dot = host.find('.');
    const auto label = host.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    host.remove_prefix(dot + 1);
  }
}

bool is_loopback_host(std::string_view host) noexcept {
  if (host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1") return true;
  return is_ipv4_literal(host) && host.substr(0, 4) == "127.";
}

std::optional<std::string> parse_url(std::string_view text, Url& out) {
  const auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return "has no scheme (expected scheme://host)";
  out.scheme = lower(text.substr(0, sep));
  std::uint16_t default_port = 0;
  if (out.scheme == "ws" || out.scheme == "http") {
    default_port = 80;
  } else if (out.scheme == "wss" || out.scheme == "https") {
    default_port = 443;
  } else {
    return "has unsupported scheme '" + out.scheme + "'";
  }
  std::string_view rest = text.substr(sep + 3);
  if (rest.find_first_of(" \t\r\n") != std::string_view::npos) return "contains whitespace";
  if (rest.find('#') != std::string_view::npos) return "has a fragment ('#')";
  const auto slash = rest.find_first_of("/?");
  const auto auth = rest.substr(0, slash);
  if (auth.find('@') != std::string_view::npos) return "has user info ('@'); not supported";
  std::optional<std::string_view> port_text;
  if (auto err = split_authority(auth, out.host, port_text)) return err;
  out.port = default_port;
  if (port_text) {
    if (auto err = parse_port(*port_text, out.port)) return err;
  }
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  return std::nullopt;
}

std::optional<std::string> parse_listen_address(std::string_view text, HostPort& out) {
  std::optional<std::string_view> port_text;
  if (auto err = split_authority(text, out.host, port_text)) return err;
  if (!port_text) return "has no port (expected host:port)";
  if (!is_ipv4_literal(out.host) && !is_ipv6_literal(out.host) && out.host != "localhost") {
    return "host must be an IP address or localhost, got '" + out.host + "'";
  }
  return parse_port(*port_text, out.port);
}

}  // namespace wirebook::config
