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
// Construction validates the whole configuration (venue names, module
// options) and throws std::invalid_argument with a precise message.
//
// Threading: construct on any thread; run() on exactly one thread (it owns
// all sockets and books); stop() and the counter accessors are thread-safe;
// truth() and report() after run() returned.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tools/sim/faults.hpp"
#include "tools/sim/module.hpp"
#include "tools/sim/options.hpp"
#include "tools/sim/venue.hpp"

namespace wirebook::sim {

struct TlsMaterial;

// The listening ports of one venue: 0 picks a free port, -1 disables.
struct VenuePorts {
  int plain = 0;  // ws:// (http:// for REST GETs and SSE)
  int tls = 0;    // wss:// (https://)
};

// Everything per venue is keyed by the venue module's name (module.hpp).
struct SimConfig {
  std::vector<std::string> venues;  // venues to serve, in order; empty: every module
  std::string bind_address = "127.0.0.1";
  std::map<std::string, VenuePorts, std::less<>> ports;  // a venue not listed: free ports
  std::string ca_path;  // where the CA PEM goes ("" = a fresh temp dir, removed at exit)
  VenueOptions venue;   // options every venue takes (faults are set per venue)
  FaultConfig faults;
  // Each module's own options as text, validated by the module (unknown keys
  // rejected, also for venues not served).
  std::map<std::string, OptionTable, std::less<>> options;
  int linger_ms = 200;          // after a bounded run: keep sessions open this long, then close
  std::string truth_path;       // write the truth here at the end ("" = don't)
  std::string capture_path;     // serve this capture instead of generating
  std::string access_log_path;  // every client request, per venue (Venue::note_request)
};

// `<venue>=<port>` (the CLI's --ws-port / --wss-port): sets one venue's plain
// or TLS port. Throws std::invalid_argument naming the spec and the rule.
void apply_port_spec(SimConfig& cfg, std::string_view spec, bool tls);
// `<venue>.<key>=<value>` (the CLI's --set): one module option as text; the
// module checks it when the Simulator is built. Throws std::invalid_argument
// on a malformed spec or an unknown venue.
void apply_option_spec(SimConfig& cfg, std::string_view spec);

struct Endpoint {
  std::string venue;
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
  [[nodiscard]] std::string url(std::string_view venue, bool tls) const;
  // The REST base (http[s]://host:port, no path) of a venue that answers plain
  // GETs on its port (Venue::rest()), or "" when not served.
  [[nodiscard]] std::string rest_base(std::string_view venue, bool tls) const;
  [[nodiscard]] const std::string& ca_path() const noexcept { return ca_path_; }

  // Runs until a bounded run ended (and its sessions closed) or stop().
  void run();
  void stop();
  // Makes SIGINT/SIGTERM call stop() and SIGUSR1 drop every connection of
  // every venue at once (a reconnect storm, Venue::drop_all) (the CLI); call
  // before run().
  void handle_signals();

  // The served venue called `name`, or null; its counters are safe from any thread.
  [[nodiscard]] Venue* venue(std::string_view name) const;
  // The true final books, one JSON line per book (DESIGN.md §7).
  [[nodiscard]] std::string truth() const;
  // Human/machine readable counters, one line per venue.
  [[nodiscard]] std::string report() const;

 private:
  struct Impl;
  // Generates the CA and server certificate; writes the CA to `ca_path` (or a temp dir).
  TlsMaterial make_ca(const std::string& ca_path);
  // Opens the venue's listeners and records their endpoints.
  void listen(Venue& v, VenuePorts ports, const TlsMaterial& tls);

  std::unique_ptr<Impl> impl_;
  std::vector<Endpoint> endpoints_;
  std::string ca_path_;
  std::string temp_dir_;  // set when the CA went to a directory we created
  std::string truth_path_;
};

}  // namespace wirebook::sim
