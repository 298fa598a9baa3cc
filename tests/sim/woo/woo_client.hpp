#pragma once
// WOO X v2: subscribes the symbols' @orderbookupdate, @bbo and @trade (and @orderbook
// with woo_snapshots), aligns request snapshots on data.ts and follows the prevTs chain.
#include "venue_clients.hpp"

namespace wirebook::simtest {

// Runs until the simulator closes the connection (or idle_timeout).
ClientResult run_woo_client(const ClientOptions& o);

}  // namespace wirebook::simtest
