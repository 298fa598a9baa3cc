// The OCX venue module: its config rules (Server-Sent Events over https://),
// its own keys and its feed (ocx_feed.hpp). At start-up the configured
// symbols are checked against GET /perps/markets on the same gateway, whose
// priceDecimals/sizeDecimals become the books' starting exponents. With an
// API key (api_key_env / api_key_file, no secret needed) the feed also holds
// the private user stream (positions and fills).
#include "feeds/ocx/module.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <stdexcept>

#include "feeds/common/https_client.hpp"
#include "feeds/ocx/markets.hpp"
#include "feeds/ocx/ocx_feed.hpp"

namespace wirebook::feeds::ocx {

namespace {

constexpr std::chrono::milliseconds kRestTimeout{10'000};
constexpr std::string_view kDefaultStreamPath = "/perps/book-stream";

struct OcxKeys {
  std::int64_t interval_ms = 100;
  bool check_markets = true;
  std::int64_t rest_check_interval_s = 0;  // 0: no REST drift check
  std::int64_t reference_interval_s = 0;   // 0: no market-stats poll (reference data)
};

OcxKeys read_keys(config::TableReader& r, const config::VenueConfig& /*venue*/) {
  OcxKeys k;
  // book-stream intervalMs: 50..2000 (PROTOCOLS §5).
  k.interval_ms = r.integer_in("interval_ms", 50, 2000, false, "(book-stream intervalMs range)")
                      .value_or(k.interval_ms);
  k.check_markets = r.boolean("check_markets").value_or(true);
  // One GET /perps/orderbook per market per interval; ocx-api.txt states no
  // REST rate limit, so the check is off unless asked for.
  k.rest_check_interval_s =
      r.integer_in("rest_check_interval_s", 1, 3600).value_or(k.rest_check_interval_s);
  // Reference data: one GET /perps/market-stats per market per interval,
  // counted in the venue's REST limit like the drift check (0: off). No
  // stream carries it, so the common `reference = true` has no period to
  // map to: the interval is the switch.
  k.reference_interval_s =
      r.integer_in("reference_interval_s", 0, 3600).value_or(k.reference_interval_s);
  return k;
}

void check_keys(config::TableReader& r, config::VenueConfig& venue) {
  (void)read_keys(r, venue);
}

RestEndpoint gateway(const config::VenueConfig& venue) {
  RestEndpoint ep;
  ep.scheme = venue.endpoint.scheme;
  ep.host = venue.endpoint.host;
  ep.port = venue.endpoint.port;
  ep.verify = venue.tls.verify;
  ep.ca_file = venue.tls.ca_file;
  return ep;
}

// Every configured symbol must be a listed market (throws with the reason);
// returns the listed markets.
std::vector<MarketInfo> check_markets(const config::VenueConfig& venue, RestSource& rest) {
  const auto reply = rest.get(gateway(venue), "/perps/markets", kRestTimeout);
  if (reply.status != 200) {
    throw std::runtime_error(
        "venue '" + venue.name + "': GET /perps/markets failed: " +
        (reply.status == 0 ? reply.error : "HTTP " + std::to_string(reply.status)));
  }
  const MarketsResult markets = parse_markets(reply.body);
  if (!markets.error.empty()) {
    throw std::runtime_error("venue '" + venue.name + "': GET /perps/markets: " + markets.error);
  }
  if (const std::string missing = unlisted(venue.symbols, markets.markets); !missing.empty()) {
    throw std::runtime_error("venue '" + venue.name +
                             "': GET /perps/markets lists no market for: " + missing);
  }
  return markets.markets;
}

OcxOptions options_from(const OcxKeys& k, const FeedContext& ctx) {
  OcxOptions o;
  const std::string& path = ctx.venue.endpoint.target;
  o.stream_path = path.empty() || path == "/" ? std::string(kDefaultStreamPath) : path;
  o.depth = ctx.venue.depth > 0 ? ctx.venue.depth : 25;
  o.interval_ms = static_cast<std::uint32_t>(k.interval_ms);
  o.stale_after_ns = stale_after_ns(ctx.venue);
  o.max_event_bytes = ctx.venue.max_frame_bytes;
  if (ctx.credentials.use != Credentials::Use::none) o.api_key = ctx.credentials.api_key;
  o.rest_check_interval_ns = k.rest_check_interval_s * 1'000'000'000;
  o.reference_interval_ns = k.reference_interval_s * 1'000'000'000;
  // The top levels compared: at most 10, never beyond what the stream carries.
  o.rest_check_depth = std::min<std::size_t>(10, o.depth);
  return o;
}

std::unique_ptr<MessageParser> make_parser(const config::VenueConfig& venue) {
  return std::make_unique<ParseOnly<Parser, Message>>(OcxOptions{}.max_levels_per_event,
                                                      venue.max_frame_bytes);
}

std::unique_ptr<FrameHandler> make_feed(const FeedContext& ctx) {
  const OcxKeys k = read_own_keys(ctx.venue, read_keys);
  if (k.check_markets) (void)apply_decimals(ctx.books, check_markets(ctx.venue, ctx.rest));
  // The drift check's and the market-stats GETs run on their own channel,
  // off the venue thread.
  std::unique_ptr<RestChannel> rest;
  if (k.rest_check_interval_s > 0 || k.reference_interval_s > 0)
    rest = ctx.rest.channel(gateway(ctx.venue), kRestTimeout);
  return std::make_unique<OcxHandler>(ctx.books, options_from(k, ctx), std::move(rest));
}

constexpr std::array<std::string_view, 4> kKeys = {"interval_ms", "check_markets",
                                                   "rest_check_interval_s", "reference_interval_s"};

}  // namespace

// OCX streams send a :heartbeat comment about every 15 s, so heartbeat_s is
// the expected server period (PROTOCOLS §5); book-stream depth is at most 100.
// transport_keepalive: the session fails a stream silent for 2 x heartbeat_s.
//
// Rate limits (README "Reconnect storms"): ocx-api.txt and the streaming
// pages state none, so conservative choices: 60 connection attempts per
// minute for all the venue's streams together (one per market plus the user
// stream) and 60 REST calls per minute (/perps/markets, drift checks,
// market-stats polls).
extern const VenueModule kModule = {
    .rules = {.kind = "ocx",
              .secure_scheme = "https",
              .plain_scheme = "http",
              .heartbeat_lo = 5,
              .heartbeat_hi = 300,
              .heartbeat_default = 15,
              .max_depth = 100,
              .depth_why = "(book-stream maximum)",
              .keys = kKeys,
              .read_keys = &check_keys},
    .transport = Transport::sse,
    .transport_keepalive = true,
    .connect_limit = {.count = 60, .window_ns = 60'000'000'000},
    .rest_limit = {.count = 60, .window_ns = 60'000'000'000},
    .make_feed = &make_feed,
    .make_parser = &make_parser,
};

}  // namespace wirebook::feeds::ocx
