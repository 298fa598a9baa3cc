// The OCX venue module: its config rules (Server-Sent Events over https://).
// The feed comes with the OCX issue; until then `wirebookd` reports the kind
// as not implemented.
#include "feeds/ocx/module.hpp"

namespace wirebook::feeds::ocx {

// OCX streams send a :heartbeat comment about every 15 s, so heartbeat_s is
// the expected server period (PROTOCOLS §5); book-stream depth is at most 100.
extern const VenueModule kModule = {
    .rules = {.kind = "ocx",
              .secure_scheme = "https",
              .plain_scheme = "http",
              .heartbeat_lo = 5,
              .heartbeat_hi = 300,
              .heartbeat_default = 15,
              .max_depth = 100,
              .depth_why = "(book-stream maximum)"},
    .transport = Transport::sse,
};

}  // namespace wirebook::feeds::ocx
