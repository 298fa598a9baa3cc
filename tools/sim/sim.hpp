#pragma once
// `wirebook sim`: the loopback venue simulator (DESIGN.md §8, issue 4).
//
// Usage in process (tests):
//   Simulator sim(cfg);          // binds ports, makes certificates
//   std::thread t([&] { sim.run(); });
//   ... connect to sim.endpoints() ...
//   t.join();                    // bounded runs end by themselves; or sim.stop()
//   sim.truth()                  // the true final books, dump format
//
// Threading: construct on any thread; run() on exactly one thread (it owns
// all sockets and books); stop() and the counter accessors are thread-safe;
// truth() and report() after run() returned.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/sim/faults.hpp"
#include "tools/sim/o2/o2_venue.hpp"
#include "tools/sim/symbols.hpp"
#include "tools/sim/venue.hpp"

namespace wirebook::sim {

struct SimConfig {
  std::vector<VenueKind> venues{VenueKind::woo, VenueKind::pulse};
  std::string bind_address = "127.0.0.1";
  // Ports per venue: index 0 woo, 1 pulse, 2 o2. 0 picks a free port; -1 disables.
  int ws_port[3] = {0, 0, 0};
  int wss_port[3] = {0, 0, 0};
  std::string ca_path;  // where the CA PEM goes ("" = a fresh temp dir, removed at exit)
  VenueOptions venue;   // common options (kind is set per venue)
  FaultConfig faults;
  O2SimOptions o2;           // O2 venue module options
  int linger_ms = 200;       // after a bounded run: keep sessions open this long, then close
  std::string truth_path;    // write the truth here at the end ("" = don't)
  std::string capture_path;  // serve this capture instead of generating
};

struct Endpoint {
  VenueKind venue;
  bool tls;
  std::string url;
  std::uint16_t port;
};

class Simulator {
 public:
  explicit Simulator(SimConfig cfg);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  [[nodiscard]] const std::vector<Endpoint>& endpoints() const noexcept { return endpoints_; }
  // The URL of one venue/scheme, or "" when not served.
  [[nodiscard]] std::string url(VenueKind v, bool tls) const;
  // The REST base (http[s]://host:port, no path) of a venue that answers plain
  // GETs on its port (O2), or "" when not served.
  [[nodiscard]] std::string rest_base(VenueKind v, bool tls) const;
  [[nodiscard]] const std::string& ca_path() const noexcept { return ca_path_; }

  // Runs until a bounded run ended (and its sessions closed) or stop().
  void run();
  void stop();
  // Makes SIGINT/SIGTERM call stop() (the CLI); call before run().
  void handle_signals();

  [[nodiscard]] Venue* venue(VenueKind v) const;  // counters are safe from any thread
  // The true final books, one JSON line per book (DESIGN.md §7).
  [[nodiscard]] std::string truth() const;
  // Human/machine readable counters, one line per venue.
  [[nodiscard]] std::string report() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<Endpoint> endpoints_;
  std::string ca_path_;
  std::string temp_dir_;  // set when the CA went to a directory we created
  std::string truth_path_;
};

}  // namespace wirebook::sim
