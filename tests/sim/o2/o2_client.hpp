#pragma once
// A test client for the simulator's O2 venue that follows the working schema
// (feeds/o2/schema.hpp) by its own path: simdjson ondemand over the frame,
// exact number text, std::map books. Independent of feeds/o2.
#include "venue_clients.hpp"

namespace wirebook::simtest {

// Subscribes order_book (and trades, ticker) for market ids 1..symbols.size()
// and runs until the simulator closes the connection (or idle_timeout).
ClientResult run_o2_client(const ClientOptions& o);

}  // namespace wirebook::simtest
