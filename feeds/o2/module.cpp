// The O2 DEX venue module: its config keys, the start-up market-id lookup and
// its feed (o2_feed.hpp) with the REST worker for snapshots and cross-checks.
#include "feeds/o2/module.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <set>

#include "config/url.hpp"
#include "feeds/common/clock.hpp"
#include "feeds/common/https_client.hpp"
#include "feeds/o2/markets.hpp"
#include "feeds/o2/o2_feed.hpp"

namespace wirebook::feeds::o2 {
namespace {

constexpr auto kRestTimeout = std::chrono::seconds(10);

void read_market_ids(config::TableReader& r, const config::VenueConfig& v, O2Keys& k) {
  const config::KeyTable* ids = r.table("market_ids", "[venue.market_ids] or { SYMBOL = 1 }");
  if (ids == nullptr) return;
  std::set<std::int64_t> used;
  for (const auto& [sym, node] : *ids) {
    if (node.type != config::KeyValue::Type::integer || node.integer < 0) {
      k.ids_valid = false;
      r.problem("market_ids." + sym + " must be a non-negative integer, got " +
                std::string(node.type != config::KeyValue::Type::integer ? config::type_phrase(node)
                                                                         : "a negative integer"));
    } else if (std::find(v.symbols.begin(), v.symbols.end(), sym) == v.symbols.end()) {
      r.problem("market_ids names '" + sym + "', which is not in symbols");
    } else if (!used.insert(node.integer).second) {
      k.ids_valid = false;
      r.problem("market_ids." + sym + ": market id " + std::to_string(node.integer) +
                " is used twice");
    } else {
      k.market_ids.emplace_back(sym, node.integer);
    }
  }
}

// Extra public channels besides order_book (o2dex-api.txt "Public Channels").
void read_channels(config::TableReader& r, O2Keys& k) {
  const std::vector<config::KeyValue>* chans = r.array("channels");
  if (chans == nullptr) return;
  for (std::size_t i = 0; i < chans->size(); ++i) {
    const config::KeyValue& ch = (*chans)[i];
    const bool is_string = ch.type == config::KeyValue::Type::string;
    const std::string name = is_string ? ch.string : std::string();
    if (name == "trades") {
      k.trades = true;
    } else if (name == "ticker") {
      k.ticker = true;
    } else if (name == "mark_price") {
      k.mark_price = true;
    } else if (name == "funding") {
      k.funding = true;
    } else {
      r.problem("channels[" + std::to_string(i) +
                "] must be one of trades, ticker, mark_price, funding, got " +
                (is_string ? "'" + name + "'" : std::string(config::type_phrase(ch))));
    }
  }
}

}  // namespace

O2Keys read_keys(config::TableReader& r, const config::VenueConfig& v) {
  O2Keys k;
  read_market_ids(r, v, k);
  if (auto u = r.https_url("rest_url")) k.rest_url = *u;
  read_channels(r, k);
  // The common reference key: both documented reference channels (mark_price,
  // funding); the same flags as naming them in `channels`, so either way or
  // both subscribes each once.
  if (auto ref = r.boolean("reference"); ref && *ref) k.mark_price = k.funding = true;
  if (auto s = r.integer_in("rest_check_interval_s", 1, 3600)) {
    k.rest_check_interval_s = static_cast<std::uint32_t>(*s);
    if (!r.has("rest_url")) r.problem("rest_check_interval_s needs rest_url");
  }
  // Subscriptions take integer market ids (PROTOCOLS.md §3.1): either listed
  // here or looked up by symbol through REST GET /api/v1/markets at start-up.
  if (r.has("market_ids")) {
    for (const auto& sym : v.symbols) {
      const bool found = std::any_of(k.market_ids.begin(), k.market_ids.end(),
                                     [&](const auto& e) { return e.first == sym; });
      if (!found && k.ids_valid) r.problem("symbol '" + sym + "' has no entry in market_ids");
    }
  } else if (!r.has("rest_url")) {
    r.problem("kind o2 needs market_ids (symbol = id) or rest_url to look the ids up");
  }
  return k;
}

namespace {

void check_keys(config::TableReader& r, config::VenueConfig& venue) {
  (void)read_keys(r, venue);
}

RestEndpoint rest_endpoint(const config::VenueConfig& venue, const std::string& url) {
  RestEndpoint ep;
  if (const std::string err = parse_rest_base(url, ep); !err.empty()) {
    throw std::runtime_error("venue '" + venue.name + "': rest_url '" + url + "' " + err);
  }
  ep.verify = venue.tls.verify;
  ep.ca_file = venue.tls.ca_file;
  return ep;
}

// Market ids in symbol order: pinned in config, else looked up once at
// start-up through GET /api/v1/markets (throws with the reason on failure).
std::vector<std::int64_t> market_ids(const config::VenueConfig& venue, const O2Keys& k,
                                     RestSource& rest) {
  std::vector<std::int64_t> ids;
  if (!k.market_ids.empty()) {
    for (const auto& sym : venue.symbols) {
      for (const auto& [s, id] : k.market_ids) {
        if (s == sym) ids.push_back(id);
      }
    }
    return ids;
  }
  const auto reply = rest.get(rest_endpoint(venue, k.rest_url), "/api/v1/markets", kRestTimeout);
  if (reply.status != 200) {
    throw std::runtime_error(
        "venue '" + venue.name + "': GET " + k.rest_url + "/api/v1/markets failed: " +
        (reply.status == 0 ? reply.error : "HTTP " + std::to_string(reply.status)));
  }
  const auto markets = parse_markets(reply.body);
  if (markets.status != RestStatus::ok) {
    throw std::runtime_error("venue '" + venue.name + "': GET /api/v1/markets: " + markets.error);
  }
  for (const auto& m : resolve_markets(venue.symbols, markets.markets)) {
    ids.push_back(m.market_id);
  }
  return ids;
}

std::unique_ptr<MessageParser> make_parser(const config::VenueConfig& venue) {
  return std::make_unique<ParseOnly<Parser, Message>>(O2Options{}.max_levels_per_frame,
                                                      venue.max_frame_bytes);
}

std::unique_ptr<FrameHandler> make_feed(const FeedContext& ctx) {
  const O2Keys k = read_own_keys(ctx.venue, read_keys);
  O2Options o;
  o.market_ids = market_ids(ctx.venue, k, ctx.rest);
  if (o.market_ids.size() != ctx.books.size()) {
    throw std::runtime_error("o2: every symbol needs a market id (config market_ids or rest_url)");
  }
  o.trades = k.trades;
  o.ticker = k.ticker;
  o.mark_price = k.mark_price;
  o.funding = k.funding;
  o.max_frame_bytes = ctx.venue.max_frame_bytes;
  o.stale_after_ns = stale_after_ns(ctx.venue);
  // Transport liveness is the session's keepalive; this is the venue-level
  // backstop (nothing at all received).
  o.idle_timeout_ns = 3 * heartbeat_ns(ctx.venue);
  o.rest_check_interval_ns = std::int64_t{k.rest_check_interval_s} * 1'000'000'000;
  std::unique_ptr<RestChannel> rest;
  if (!k.rest_url.empty()) {
    rest = ctx.rest.channel(rest_endpoint(ctx.venue, k.rest_url), kRestTimeout);
  }
  return std::make_unique<O2Handler>(ctx.books, ctx.out, std::move(o), std::move(rest));
}

constexpr std::array<std::string_view, 5> kKeys = {
    "market_ids", "rest_url", "rest_check_interval_s", "channels", "reference"};

}  // namespace

// O2 documents no application heartbeat: the session pings (PROTOCOLS §3.1).
//
// Rate limits (README "Reconnect storms"). REST, o2dex-api.txt "Rate Limits":
// "Default 300 req/min. Market Maker API Key: 20,000 req/min. Exceeding
// returns HTTP 429."; the public order book is "60 req/min public tier"
// (PROTOCOLS §3.1), the stricter, so 60 per minute for every REST call.
// Connections: o2dex-api.txt states no WebSocket connection limit, so 60
// attempts per minute, a conservative choice.
extern const VenueModule kModule = {
    .rules = {.kind = "o2",
              .heartbeat_lo = 1,
              .heartbeat_hi = 300,
              .heartbeat_default = 30,
              .keys = kKeys,
              .read_keys = &check_keys},
    .transport_keepalive = true,
    .connect_limit = {.count = 60, .window_ns = 60'000'000'000},
    .rest_limit = {.count = 60, .window_ns = 60'000'000'000},
    .make_feed = &make_feed,
    .make_parser = &make_parser,
};

}  // namespace wirebook::feeds::o2
