#pragma once
// The pulse venue module (module.cpp), listed in feeds/registry.cpp, and its
// config keys (tests read them back).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "feeds/common/venue_module.hpp"

namespace wirebook::feeds::pulse {

extern const VenueModule kModule;

// The module's own config keys, read and checked (problems go to the reader).
struct PulseKeys {
  std::string interval = "raw";  // book.<instr>.<interval>: raw | 100ms
  bool quotes = false;
  bool reference = false;  // funding_rates.* and deribit_price_index.* (pulse_feed.hpp)
};

[[nodiscard]] PulseKeys read_keys(config::TableReader& r, const config::VenueConfig& venue);

}  // namespace wirebook::feeds::pulse
