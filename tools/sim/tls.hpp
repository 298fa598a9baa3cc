#pragma once
// Start-up certificate material for wss://: a fresh self-signed CA and a
// server certificate it signs for 127.0.0.1 and localhost (subjectAltName),
// so clients can verify the simulator like a real venue (DESIGN.md §8).
//
// Threading: call from one thread at start-up; throws std::runtime_error.
#include <string>

namespace wirebook::sim {

struct TlsMaterial {
  std::string ca_cert_pem;
  std::string server_cert_pem;  // leaf first, then the CA
  std::string server_key_pem;
};

[[nodiscard]] TlsMaterial generate_tls_material();

}  // namespace wirebook::sim
