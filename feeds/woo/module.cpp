// The WOO X venue module: its config keys and its feed (woo_feed.hpp).
#include "feeds/woo/module.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

#include "config/url.hpp"
#include "feeds/common/clock.hpp"
#include "feeds/common/https_client.hpp"
#include "feeds/woo/woo_feed.hpp"

namespace wirebook::feeds::woo {
namespace {

bool is_app_id(const std::string& s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
}

bool is_v3_path(const std::string& target) {
  return target.rfind("/v3/", 0) == 0;
}

void read_protocol(config::TableReader& r, const config::VenueConfig& venue, WooKeys& k) {
  k.v3 = is_v3_path(venue.endpoint.target);
  if (auto p = r.string("protocol")) {
    if (*p == "v3" || *p == "v2") {
      k.v3 = *p == "v3";
    } else {
      r.problem("protocol must be \"v3\" or \"v2\", got '" + *p + "'");
    }
  }
}

// What v3 does not take: trade is not in our v3 sources (README), and one
// connection holds at most 100 topics (more connections per venue: not yet).
void check_v3_limits(config::TableReader& r, const config::VenueConfig& venue, const WooKeys& k) {
  if (!k.v3) {
    for (const char* key : {"update_depth", "rest_url", "max_connection_age_s"}) {
      if (r.has(key)) r.problem(std::string(key) + " applies to protocol v3 only");
    }
    if (r.has("rest_check_interval_s")) {
      r.problem(
          "rest_check_interval_s applies to protocol v3 only (the v2 feed has no REST book to "
          "check against)");
    }
    return;
  }
  // One GET per symbol per interval, within the drift check's share of the limit.
  const std::int64_t per_interval = std::int64_t{k.rest_check_interval_s} * kRestChecksPerSecond;
  if (k.rest_check_interval_s > 0 &&
      static_cast<std::int64_t>(venue.symbols.size()) > per_interval) {
    r.problem("rest_check_interval_s = " + std::to_string(k.rest_check_interval_s) + " with " +
              std::to_string(venue.symbols.size()) + " symbols asks more than " +
              std::to_string(kRestChecksPerSecond) +
              " REST books a second (half of WOO's 10/s limit); raise it to at least " +
              std::to_string(
                  (static_cast<std::int64_t>(venue.symbols.size()) + kRestChecksPerSecond - 1) /
                  kRestChecksPerSecond));
  }
  if (k.trades) r.problem("trades is not supported with protocol v3 (use protocol = \"v2\")");
  // Reference topics: three per derivative symbol and one index per underlying.
  const std::size_t topics = venue.symbols.size() * (k.bbo ? 2 : 1) +
                             (k.reference ? v3_reference_topics(venue.symbols).size() : 0);
  if (topics > kV3TopicsPerConnection) {
    const std::string with = k.bbo && k.reference ? " with bbo and reference"
                             : k.bbo              ? " with bbo"
                             : k.reference        ? " with reference"
                                                  : "";
    r.problem("protocol v3 takes at most " + std::to_string(kV3TopicsPerConnection) +
              " topics per connection; " + std::to_string(venue.symbols.size()) + " symbols" +
              with + " need " + std::to_string(topics) + " (split the symbols over more venues)");
  }
}

}  // namespace

std::string default_rest_url(const config::Url& endpoint) {
  const std::string scheme = endpoint.tls() ? "https" : "http";
  if (endpoint.host.rfind("wss.", 0) == 0) return scheme + "://api." + endpoint.host.substr(4);
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" +
         std::to_string(endpoint.port);
}

WooKeys read_keys(config::TableReader& r, const config::VenueConfig& venue) {
  WooKeys k;
  if (auto s = r.string("path_suffix")) {
    if (is_app_id(*s)) {
      k.path_suffix = *s;
    } else {
      r.problem("path_suffix must be 1..128 characters [A-Za-z0-9_-], got '" + *s + "'");
    }
  }
  k.trades = r.boolean("trades").value_or(false);
  k.bbo = r.boolean("bbo").value_or(false);
  k.reference = r.boolean("reference").value_or(false);
  read_protocol(r, venue, k);
  // The smallest documented topic depth that covers the venue's book depth.
  k.depth = venue.depth <= 50 ? 50 : (venue.depth <= 200 ? 200 : 500);
  if (auto d = r.integer("update_depth")) {
    if (*d == 50 || *d == 200 || *d == 500) {
      k.depth = static_cast<int>(*d);
    } else {
      r.problem("update_depth must be 50, 200 or 500, got " + std::to_string(*d));
    }
  }
  if (auto u = r.https_url("rest_url")) k.rest_url = *u;
  if (auto a = r.integer_in("max_connection_age_s", 1, 86'000)) {
    k.max_connection_age_s = static_cast<std::uint32_t>(*a);
  }
  if (auto c = r.integer_in("rest_check_interval_s", 1, 3600)) {
    k.rest_check_interval_s = static_cast<std::uint32_t>(*c);
  }
  check_v3_limits(r, venue, k);
  return k;
}

namespace {

// Config time: check the keys and put the application id into the url path
// (/ws/stream/<id>), where the session connects.
void check_keys(config::TableReader& r, config::VenueConfig& venue) {
  const WooKeys k = read_keys(r, venue);
  if (k.path_suffix.empty()) return;
  std::string& target = venue.endpoint.target;
  const auto q = target.find('?');
  std::string path = target.substr(0, q);
  if (path.empty() || path.back() != '/') path += '/';
  target = path + k.path_suffix + (q == std::string::npos ? "" : target.substr(q));
}

constexpr auto kRestTimeout = std::chrono::seconds(10);

RestEndpoint rest_endpoint(const config::VenueConfig& venue, const std::string& url) {
  RestEndpoint ep;
  if (const std::string err = parse_rest_base(url, ep); !err.empty()) {
    throw std::runtime_error("venue '" + venue.name + "': rest_url '" + url + "' " + err);
  }
  ep.verify = venue.tls.verify;
  ep.ca_file = venue.tls.ca_file;
  return ep;
}

std::unique_ptr<FrameHandler> make_feed(const FeedContext& ctx) {
  const WooKeys k = read_own_keys(ctx.venue, read_keys);
  WooOptions o;
  o.protocol = k.v3 ? Protocol::v3 : Protocol::v2;
  o.depth = k.depth;
  o.trades = k.trades;
  o.bbo = k.bbo;
  o.reference = k.reference;
  o.max_frame_bytes = ctx.venue.max_frame_bytes;
  o.stale_after_ns = stale_after_ns(ctx.venue);
  o.ping_interval_ns = heartbeat_ns(ctx.venue);
  o.dead_after_ns = 3 * heartbeat_ns(ctx.venue);
  if (!k.v3) return std::make_unique<FeedHandler<WooFeed>>(ctx.books, ctx.out, o);
  const std::uint32_t age =
      k.max_connection_age_s > 0 ? k.max_connection_age_s : kDefaultMaxConnectionAgeS;
  o.max_connection_age_ns = std::int64_t{age} * 1'000'000'000;
  o.rest_check_interval_ns = std::int64_t{k.rest_check_interval_s} * 1'000'000'000;
  // The top levels compared: at most 10, never beyond the REST book asked for.
  o.rest_check_depth = std::min<std::size_t>(10, static_cast<std::size_t>(o.depth));
  const std::string rest_url =
      k.rest_url.empty() ? default_rest_url(ctx.venue.endpoint) : k.rest_url;
  auto rest = ctx.rest.channel(rest_endpoint(ctx.venue, rest_url), kRestTimeout);
  return std::make_unique<WooV3Handler>(ctx.books, ctx.out, o, std::move(rest));
}

std::unique_ptr<MessageParser> make_parser(const config::VenueConfig& venue) {
  const WooKeys k = read_own_keys(venue, read_keys);
  return std::make_unique<ParseOnly<Parser, Message>>(
      WooOptions{}.max_levels_per_frame, venue.max_frame_bytes, k.v3 ? Protocol::v3 : Protocol::v2);
}

constexpr std::array<std::string_view, 9> kKeys = {"path_suffix",
                                                   "trades",
                                                   "bbo",
                                                   "reference",
                                                   "protocol",
                                                   "update_depth",
                                                   "rest_url",
                                                   "max_connection_age_s",
                                                   "rest_check_interval_s"};

}  // namespace

// v2: WOO pings every 10 s and expects a pong; v3: the server sends no ping
// and closes a socket silent for ~60 s, so we PING every heartbeat_s (§1.4).
//
// Rate limits (README "Reconnect storms"). REST, woox-api.txt "Orderbook
// snapshot (Public)": "Limit: 10 requests per 1 second" (the v3 snapshot the
// feed fetches has no page here; the v1 page's limit is the one we have).
// Connections: woox-api.txt states no WebSocket connection limit, so 60
// attempts per minute, a conservative choice (OX.FUN documents 200).
extern const VenueModule kModule = {
    .rules = {.kind = "woo",
              .heartbeat_lo = 1,
              .heartbeat_hi = 60,
              .heartbeat_default = 10,
              .keys = kKeys,
              .read_keys = &check_keys},
    .connect_limit = {.count = 60, .window_ns = 60'000'000'000},
    .rest_limit = {.count = 10, .window_ns = 1'000'000'000},
    .make_feed = &make_feed,
    .make_parser = &make_parser,
};

}  // namespace wirebook::feeds::woo
