#pragma once
// The ocx venue module (module.cpp): listed in feeds/registry.cpp.
#include "feeds/common/venue_module.hpp"

namespace wirebook::feeds::ocx {

extern const VenueModule kModule;

}  // namespace wirebook::feeds::ocx
