// The OX.FUN venue module: its config keys and its feed (oxfun_feed.hpp).
#include "feeds/oxfun/module.hpp"

#include <array>

#include "feeds/oxfun/oxfun_feed.hpp"

namespace wirebook::feeds::oxfun {

namespace {

// extra_channels = ["trade", "bestBidAsk"]: the public channels besides
// depthUpdate, whose events go to the ring (key names are unique across kinds).
void read_extra_channels(config::TableReader& r, OxfunKeys& k) {
  const std::vector<config::KeyValue>* chans = r.array("extra_channels");
  if (chans == nullptr) return;
  for (std::size_t i = 0; i < chans->size(); ++i) {
    const config::KeyValue& ch = (*chans)[i];
    const bool is_string = ch.type == config::KeyValue::Type::string;
    if (is_string && ch.string == "trade") {
      k.trades = true;
    } else if (is_string && ch.string == "bestBidAsk") {
      k.bbo = true;
    } else {
      r.problem("extra_channels[" + std::to_string(i) + "] must be one of trade, bestBidAsk, got " +
                (is_string ? "'" + ch.string + "'" : std::string(config::type_phrase(ch))));
    }
  }
}

}  // namespace

OxfunKeys read_keys(config::TableReader& r, const config::VenueConfig& /*venue*/) {
  OxfunKeys k;
  read_extra_channels(r, k);
  k.depth_check = r.boolean("depth_check").value_or(false);
  k.positions = r.boolean("positions").value_or(false);
  k.reference = r.boolean("reference").value_or(false);
  if (auto j = r.string("seqnum_jumps")) {
    if (*j == "break" || *j == "count") {
      k.jumps_break = *j == "break";
    } else {
      r.problem("seqnum_jumps must be one of break, count, got '" + *j + "'");
    }
  }
  k.request_interval_ms = r.integer_in("request_interval_ms", 1, 60'000, false,
                                       "(below 1000 exceeds the documented 1 request per second)")
                              .value_or(k.request_interval_ms);
  k.args_per_frame = r.integer_in("args_per_frame", 1, 500).value_or(k.args_per_frame);
  k.greeting_timeout_ms =
      r.integer_in("greeting_timeout_ms", 0, 60'000).value_or(k.greeting_timeout_ms);
  return k;
}

namespace {

// Config time: the keys, and positions only with credentials (the position
// channel is private, PROTOCOLS §4.4).
void check_keys(config::TableReader& r, config::VenueConfig& venue) {
  const OxfunKeys k = read_keys(r, venue);
  if (k.positions && (!venue.api_key.given() || !venue.api_secret.given())) {
    r.problem("positions = true needs api_key and api_secret (the position channel is private)");
  }
}

OxfunOptions options_from(const OxfunKeys& k, const FeedContext& ctx) {
  OxfunOptions o;
  o.trades = k.trades;
  o.bbo = k.bbo;
  o.positions = k.positions;
  o.depth_check = k.depth_check;
  o.reference = k.reference;
  o.jumps = k.jumps_break ? JumpPolicy::break_chain : JumpPolicy::count;
  o.request_interval_ns = k.request_interval_ms * 1'000'000;
  o.args_per_frame = static_cast<std::size_t>(k.args_per_frame);
  o.greeting_timeout_ns = k.greeting_timeout_ms * 1'000'000;
  o.max_frame_bytes = ctx.venue.max_frame_bytes;
  o.stale_after_ns = stale_after_ns(ctx.venue);
  o.ping_interval_ns = heartbeat_ns(ctx.venue);
  o.dead_after_ns = 3 * heartbeat_ns(ctx.venue);
  if (ctx.credentials.use == Credentials::Use::signature) {  // the login needs both
    o.api_key = ctx.credentials.api_key;                     // never logged
    o.api_secret = ctx.credentials.api_secret;
  }
  return o;
}

std::unique_ptr<MessageParser> make_parser(const config::VenueConfig& venue) {
  return std::make_unique<ParseOnly<Parser, Message>>(OxfunOptions{}.max_levels_per_frame,
                                                      venue.max_frame_bytes);
}

std::unique_ptr<FrameHandler> make_feed(const FeedContext& ctx) {
  const OxfunKeys k = read_own_keys(ctx.venue, read_keys);
  return std::make_unique<FeedHandler<OxfunFeed>>(ctx.books, ctx.out, options_from(k, ctx));
}

constexpr std::array<std::string_view, 8> kKeys = {
    "extra_channels", "positions",           "depth_check",    "seqnum_jumps",
    "reference",      "request_interval_ms", "args_per_frame", "greeting_timeout_ms"};

}  // namespace

// OX.FUN closes a connection without traffic for a minute (PROTOCOLS §4.1).
//
// Rate limits (README "Reconnect storms"). Connections, the OX.FUN docs'
// rate-limit table (PROTOCOLS §4.3): "Initialising Websocket Connection 200
// per minute"; kMinConnectIntervalNs spaces single attempts on top. The feed
// makes no REST calls and the venue pages state no REST limit: 60 per minute
// should one come, a conservative choice.
extern const VenueModule kModule = {
    .rules = {.kind = "oxfun",
              .heartbeat_lo = 1,
              .heartbeat_hi = 59,
              .heartbeat_default = 30,
              .heartbeat_why = "(OX.FUN needs traffic every minute)",
              .keys = kKeys,
              .read_keys = &check_keys},
    .min_connect_interval_ns = kMinConnectIntervalNs,
    .connect_limit = {.count = 200, .window_ns = 60'000'000'000},
    .rest_limit = {.count = 60, .window_ns = 60'000'000'000},
    .make_feed = &make_feed,
    .make_parser = &make_parser,
};

}  // namespace wirebook::feeds::oxfun
