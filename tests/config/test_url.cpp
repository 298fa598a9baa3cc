// URL and listen-address parsing used by the validator.
#include <catch2/catch.hpp>

#include "config/url.hpp"

using namespace wirebook::config;

TEST_CASE("urls are split into scheme, host, port and target", "[config]") {
  Url u;
  REQUIRE_FALSE(parse_url("WSS://WSS.WooX.io/ws/stream", u));
  REQUIRE(u.scheme == "wss");
  REQUIRE(u.host == "wss.woox.io");
  REQUIRE(u.port == 443);
  REQUIRE(u.target == "/ws/stream");
  REQUIRE(u.tls());

  REQUIRE_FALSE(parse_url("ws://127.0.0.1:18081", u));
  REQUIRE(u.port == 18081);
  REQUIRE(u.target == "/");
  REQUIRE_FALSE(u.tls());

  REQUIRE_FALSE(parse_url("https://[::1]:8443/perps/book-stream?marketId=BTC-PERP", u));
  REQUIRE(u.host == "::1");
  REQUIRE(u.port == 8443);
  REQUIRE(u.target == "/perps/book-stream?marketId=BTC-PERP");

  REQUIRE_FALSE(parse_url("http://localhost?x=1", u));
  REQUIRE(u.port == 80);
  REQUIRE(u.target == "/?x=1");
}

TEST_CASE("malformed urls are explained", "[config]") {
  Url u;
  REQUIRE(parse_url("wss://", u) == "has no host");
  REQUIRE(parse_url("wss://:443/x", u) == "has no host");
  REQUIRE(parse_url("wss://bad_host/x", u) == "has an invalid host 'bad_host'");
  REQUIRE(parse_url("wss://[::1/x", u) == "has an unterminated '[' in the host");
  REQUIRE(parse_url("wss://h:abc/", u) == "port must be 1..65535, got 'abc'");
  REQUIRE(parse_url("wss://h/x#frag", u) == "has a fragment ('#')");
  REQUIRE(parse_url("wss://h/a b", u) == "contains whitespace");
}

TEST_CASE("host classification", "[config]") {
  REQUIRE(is_ipv4_literal("127.0.0.1"));
  REQUIRE_FALSE(is_ipv4_literal("127.0.0"));
  REQUIRE_FALSE(is_ipv4_literal("256.0.0.1"));
  REQUIRE_FALSE(is_ipv4_literal("01.2.3.4"));
  REQUIRE(is_ipv6_literal("::1"));
  REQUIRE(is_ipv6_literal("fe80::1:2"));
  REQUIRE(is_ipv6_literal("1:2:3:4:5:6:7:8"));
  REQUIRE_FALSE(is_ipv6_literal("1:2:3:4:5:6:7"));
  REQUIRE_FALSE(is_ipv6_literal("1::2::3"));
  REQUIRE(is_dns_name("api.ox.fun"));
  REQUIRE_FALSE(is_dns_name("-a.example"));
  REQUIRE(is_loopback_host("127.0.0.1"));
  REQUIRE(is_loopback_host("127.8.9.10"));
  REQUIRE(is_loopback_host("localhost"));
  REQUIRE(is_loopback_host("::1"));
  REQUIRE_FALSE(is_loopback_host("127.example.com"));
  REQUIRE_FALSE(is_loopback_host("10.0.0.1"));
}

TEST_CASE("listen addresses need an IP or localhost and a port", "[config]") {
  HostPort hp;
  REQUIRE_FALSE(parse_listen_address("127.0.0.1:9100", hp));
  REQUIRE(hp.host == "127.0.0.1");
  REQUIRE(hp.port == 9100);
  REQUIRE_FALSE(parse_listen_address("localhost:1", hp));
  REQUIRE_FALSE(parse_listen_address("[::1]:65535", hp));
  REQUIRE(parse_listen_address("metrics.example.com:9100", hp) ==
          "host must be an IP address or localhost, got 'metrics.example.com'");
  REQUIRE(parse_listen_address("127.0.0.1:65536", hp) == "port must be 1..65535, got '65536'");
}
