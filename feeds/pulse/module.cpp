// The Pulse venue module: its config keys and its feed (pulse_feed.hpp).
#include "feeds/pulse/module.hpp"

#include <array>

#include "feeds/pulse/pulse_feed.hpp"

namespace wirebook::feeds::pulse {
PulseKeys read_keys(config::TableReader& r, const config::VenueConfig& /*venue*/) {
  PulseKeys k;
  if (auto i = r.string("interval")) {
    if (*i == "raw" || *i == "100ms") {
      k.interval = *i;
    } else {
      r.problem("interval must be one of raw, 100ms, got '" + *i + "'");
    }
  }
  k.quotes = r.boolean("quotes").value_or(false);
  k.reference = r.boolean("reference").value_or(false);
  return k;
}

namespace {

void check_keys(config::TableReader& r, config::VenueConfig& venue) {
  (void)read_keys(r, venue);
}

AuthMethod auth_method(Credentials::Use use) noexcept {
  switch (use) {
    case Credentials::Use::plain:
      return AuthMethod::client_credentials;
    case Credentials::Use::signature:
      return AuthMethod::client_signature;
    case Credentials::Use::none:
    case Credentials::Use::key_only:  // Pulse logs in with an id and a secret
      break;
  }
  return AuthMethod::none;
}

std::unique_ptr<MessageParser> make_parser(const config::VenueConfig& venue) {
  return std::make_unique<ParseOnly<Parser, Message>>(PulseOptions{}.max_levels_per_frame,
                                                      venue.max_frame_bytes);
}

std::unique_ptr<FrameHandler> make_feed(const FeedContext& ctx) {
  const PulseKeys k = read_own_keys(ctx.venue, read_keys);
  PulseOptions o;
  o.interval = k.interval;
  o.quotes = k.quotes;
  o.reference = k.reference;
  o.max_frame_bytes = ctx.venue.max_frame_bytes;
  o.stale_after_ns = stale_after_ns(ctx.venue);
  o.heartbeat_s = static_cast<int>(heartbeat_ns(ctx.venue) / 1'000'000'000);
  o.auth = auth_method(ctx.credentials.use);
  o.client_id = ctx.credentials.api_key;
  o.client_secret = ctx.credentials.api_secret;
  return std::make_unique<FeedHandler<PulseFeed>>(ctx.books, ctx.out, std::move(o));
}

constexpr std::array<std::string_view, 3> kKeys = {"interval", "quotes", "reference"};

}  // namespace

// public/set_heartbeat takes "not less than 10" seconds (PROTOCOLS §2.6).
// Rate limits (README "Reconnect storms"): pulse-api.txt states none. The
// Deribit-style venue's "32 connections per IP; the 33rd gets HTTP 429"
// (PROTOCOLS §2.6) bounds open connections, not attempts, so 60 connection
// attempts per minute, a conservative choice; the feed makes no REST calls
// (60 per minute should one come).
extern const VenueModule kModule = {
    .rules = {.kind = "pulse",
              .heartbeat_lo = 10,
              .heartbeat_hi = 600,
              .heartbeat_default = 10,
              .heartbeat_why = "(public/set_heartbeat minimum is 10)",
              .keys = kKeys,
              .read_keys = &check_keys},
    .connect_limit = {.count = 60, .window_ns = 60'000'000'000},
    .rest_limit = {.count = 60, .window_ns = 60'000'000'000},
    .make_feed = &make_feed,
    .make_parser = &make_parser,
};

}  // namespace wirebook::feeds::pulse
