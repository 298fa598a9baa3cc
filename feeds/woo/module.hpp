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
};

[[nodiscard]] WooKeys read_keys(config::TableReader& r, const config::VenueConfig& venue);

}  // namespace wirebook::feeds::woo
