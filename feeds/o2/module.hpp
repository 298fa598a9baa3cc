#pragma once
// The o2 venue module (module.cpp), listed in feeds/registry.cpp, and its
// config keys (tests read them back).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "feeds/common/venue_module.hpp"

namespace wirebook::feeds::o2 {

extern const VenueModule kModule;

// The module's own config keys, read and checked (problems go to the reader).
struct O2Keys {
  std::vector<std::pair<std::string, std::int64_t>> market_ids;  // symbol -> id
  bool ids_valid = true;
  std::string rest_url;  // scheme://host[:port]; empty: no REST
  std::uint32_t rest_check_interval_s = 60;
  bool trades = false;  // extra public channels besides order_book
  bool ticker = false;
  bool mark_price = false;  // also set by `reference = true`
  bool funding = false;     // also set by `reference = true`
};

[[nodiscard]] O2Keys read_keys(config::TableReader& r, const config::VenueConfig& venue);

}  // namespace wirebook::feeds::o2
