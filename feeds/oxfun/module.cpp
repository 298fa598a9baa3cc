// The OX.FUN venue module: its config rules. The feed comes with the OX.FUN
// issue; until then `wirebookd` reports the kind as not implemented.
#include "feeds/oxfun/module.hpp"

namespace wirebook::feeds::oxfun {

// OX.FUN closes a connection without traffic for a minute (PROTOCOLS §4.1).
extern const VenueModule kModule = {
    .rules = {.kind = "oxfun",
              .heartbeat_lo = 1,
              .heartbeat_hi = 59,
              .heartbeat_default = 30,
              .heartbeat_why = "(OX.FUN needs traffic every minute)"},
};

}  // namespace wirebook::feeds::oxfun
