// The WOO X venue module: its config keys and its feed (woo_feed.hpp).
#include "feeds/woo/module.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "feeds/woo/woo_feed.hpp"

namespace wirebook::feeds::woo {
namespace {

bool is_app_id(const std::string& s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
}

}  // namespace

WooKeys read_keys(config::TableReader& r, const config::VenueConfig& /*venue*/) {
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

std::unique_ptr<FrameHandler> make_feed(const FeedContext& ctx) {
  const WooKeys k = read_own_keys(ctx.venue, read_keys);
  WooOptions o;
  o.trades = k.trades;
  o.bbo = k.bbo;
  o.max_frame_bytes = ctx.venue.max_frame_bytes;
  o.stale_after_ns = stale_after_ns(ctx.venue);
  o.ping_interval_ns = heartbeat_ns(ctx.venue);
  o.dead_after_ns = 3 * heartbeat_ns(ctx.venue);
  return std::make_unique<FeedHandler<WooFeed>>(ctx.books, ctx.out, o);
}

constexpr std::array<std::string_view, 3> kKeys = {"path_suffix", "trades", "bbo"};

}  // namespace

// WOO pings every 10 s and expects a pong (PROTOCOLS §1.4).
extern const VenueModule kModule = {
    .rules = {.kind = "woo",
              .heartbeat_lo = 1,
              .heartbeat_hi = 60,
              .heartbeat_default = 10,
              .keys = kKeys,
              .read_keys = &check_keys},
    .make_feed = &make_feed,
};

}  // namespace wirebook::feeds::woo
