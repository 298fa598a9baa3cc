#include "tools/wirebook/nats_options.hpp"

namespace wirebook::cli {

void add_nats_options(CLI::App& sub, nats::ConnectOptions& o) {
  sub.add_option("--nats", o.urls, "NATS server URL (nats:// or tls://); repeatable")->required();
  sub.add_option("--creds", o.creds_file, "NATS credentials file (JWT and NKey seed)");
  sub.add_option("--token-env", o.token_env, "Name of the environment variable holding a token");
  sub.add_option("--token-file", o.token_file, "File holding a token");
  sub.add_option("--user", o.user, "User name (the password by --password-env/--password-file)");
  sub.add_option("--password-env", o.password_env,
                 "Name of the environment variable holding the password");
  sub.add_option("--password-file", o.password_file, "File holding the password");
  sub.add_option("--tls-ca", o.tls_ca_file, "CA bundle: use TLS and verify the server with it");
  sub.add_option("--reconnect-min-ms", o.reconnect_min_ms,
                 "First reconnect delay; doubles per attempt, jittered")
      ->capture_default_str();
  sub.add_option("--reconnect-max-ms", o.reconnect_max_ms, "Reconnect delay cap")
      ->capture_default_str();
}

}  // namespace wirebook::cli
