#pragma once
// A simulated venue is a module: a folder tools/sim/<venue>/ with one
// descriptor, listed once in the simulator table (modules.cpp). Everything
// shared (ports, faults, options, captures, the truth) is keyed by the
// descriptor's name, so adding a venue touches its folder and one table line.
//
// Threading: descriptors are immutable and live for the whole program.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tools/sim/options.hpp"
#include "tools/sim/symbols.hpp"

namespace wirebook::sim {

class Venue;
struct VenueOptions;

// How clients reach the venue's stream. Both run over the same listener (plain
// and TLS); a module may also answer plain REST GETs there (Venue::rest()).
enum class Transport : std::uint8_t {
  websocket,  // ws:// and wss://: an upgrade on the module's path, then frames both ways
  sse,        // http:// and https://: a GET on the path streaming text/event-stream
};

[[nodiscard]] const char* to_string(Transport t) noexcept;

struct VenueModule {
  std::string_view name;         // on the CLI, in fault specs, captures, truth and reports
  std::string_view description;  // one line for --help
  Transport transport = Transport::websocket;
  std::string_view path;  // the URL path clients connect to (any suffix is accepted too)
  std::vector<SymbolSpec> (*default_symbols)() = nullptr;
  // Synthetic instrument i is named prefix + i + suffix (symbols.hpp).
  std::string_view synthetic_prefix;
  std::string_view synthetic_suffix;
  std::span<const OptionSpec> options;
  // Makes the venue; `common` is already set up for this module (seed, faults, ...).
  std::unique_ptr<Venue> (*make)(const VenueModule& self, VenueOptions common,
                                 const ModuleOptions& options) = nullptr;
};

// The simulator table, in the order venues are listed and served.
[[nodiscard]] std::span<const VenueModule* const> venue_modules();
// The module called `name`, or null.
[[nodiscard]] const VenueModule* find_module(std::string_view name) noexcept;
// The module called `name`; throws std::invalid_argument listing the known names.
[[nodiscard]] const VenueModule& module_named(std::string_view name);
// "a, b, c": the known module names, for messages.
[[nodiscard]] std::string module_names();

}  // namespace wirebook::sim
