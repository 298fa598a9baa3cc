#pragma once
// Pulse: subscribes book.X.raw, book.X.100ms and quote.X, keys books on
// change_id and answers heartbeats.
#include "venue_clients.hpp"

namespace wirebook::simtest {

// Runs until the simulator closes the connection (or idle_timeout).
ClientResult run_pulse_client(const ClientOptions& o);

}  // namespace wirebook::simtest
