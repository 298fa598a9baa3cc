#pragma once
// The oxfun venue module (module.cpp): listed in feeds/registry.cpp.
#include "feeds/common/venue_module.hpp"

namespace wirebook::feeds::oxfun {

extern const VenueModule kModule;

}  // namespace wirebook::feeds::oxfun
