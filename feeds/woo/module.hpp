#pragma once
// The woo venue module (module.cpp), listed in feeds/registry.cpp, and its
// config keys (tests read them back).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "feeds/common/venue_module.hpp"

namespace wirebook::feeds::woo {

extern const VenueModule kModule;

// The module's own config keys, read and checked (problems go to the reader).
struct WooKeys {
  std::string path_suffix;  // application id appended to the url path (PROTOCOLS §1.2)
  bool trades = false;
  bool bbo = false;
  // Subscribe and publish the reference channels (mark, index, funding,
  // open interest; woo_feed.hpp). Default false: nothing more subscribed.
  bool reference = false;
  // "v3" | "v2"; unset: v3 when the url path starts with /v3/ (the real
  // endpoint wss://wss.woox.io/v3/public), else v2.
  bool v3 = false;
  // v3 orderbookupdate@SYM@<update_depth> (50 | 200 | 500), also the REST
  // maxLevel; unset: the smallest that covers the venue's depth.
  int depth = 50;
  std::string rest_url;                     // v3 REST base; unset: derived from the url (README)
  std::uint32_t max_connection_age_s = 0;   // v3 planned reconnect; 0: the default
  std::uint32_t rest_check_interval_s = 0;  // v3 REST drift check period; 0: off
};

// The REST drift check's share of WOO's REST limit (10 GETs a second): at
// most half of it, so snapshots always have room.
inline constexpr std::int64_t kRestChecksPerSecond = 5;

// v3 connections are cut by the venue at 24 h; ours go a little earlier.
inline constexpr std::uint32_t kDefaultMaxConnectionAgeS = 23 * 3600 + 50 * 60;

// The REST base a v3 venue uses when rest_url is unset: api.<domain> for
// wss.<domain> (wss.woox.io -> https://api.woox.io), otherwise the socket's
// own host and port (the simulator serves both).
[[nodiscard]] std::string default_rest_url(const config::Url& endpoint);

[[nodiscard]] WooKeys read_keys(config::TableReader& r, const config::VenueConfig& venue);

}  // namespace wirebook::feeds::woo
