// The simulator table (DESIGN.md §2): one line per venue module. Each
// descriptor is defined in its folder, tools/sim/<venue>/module.cpp.
#include <stdexcept>

#include "tools/sim/module.hpp"

namespace wirebook::sim {

extern const VenueModule kWooModule;
extern const VenueModule kPulseModule;
extern const VenueModule kO2Module;
extern const VenueModule kOxfunModule;
extern const VenueModule kOcxModule;

namespace {
constexpr const VenueModule* kModules[] = {
    &kWooModule, &kPulseModule, &kO2Module, &kOxfunModule, &kOcxModule,
};
}  // namespace

std::span<const VenueModule* const> venue_modules() {
  return kModules;
}

const VenueModule* find_module(std::string_view name) noexcept {
  for (const VenueModule* m : kModules)
    if (m->name == name) return m;
  return nullptr;
}

const VenueModule& module_named(std::string_view name) {
  const VenueModule* m = find_module(name);
  if (m == nullptr)
    throw std::invalid_argument("unknown venue '" + std::string(name) + "' (" + module_names() +
                                ")");
  return *m;
}

std::string module_names() {
  std::string out;
  for (const VenueModule* m : kModules) {
    if (!out.empty()) out += ", ";
    out += m->name;
  }
  return out;
}

const char* to_string(Transport t) noexcept {
  return t == Transport::websocket ? "websocket" : "sse";
}

}  // namespace wirebook::sim
