#pragma once
// NATS connection options shared by `wirebook bridge` and `wirebook mirror`:
// servers, credentials by reference (never inline), TLS with a CA, backoff.
#include <CLI/CLI.hpp>

#include "tools/nats/client.hpp"

namespace wirebook::cli {

void add_nats_options(CLI::App& sub, nats::ConnectOptions& o);

// Exit code when NATS cannot be reached or refuses us.
inline constexpr int kExitNats = 7;

}  // namespace wirebook::cli
