#pragma once
// wirebookd's composition root (DESIGN.md §1, §2): creates the instance's
// shared-memory segments, one VenueRunner per enabled venue, and runs the cold
// side on the calling thread: signals, draining venue log records, periodic
// stats, the metrics endpoint and systemd notifications.
//
// Threading: construct and run() on the main thread. run() returns the
// process exit code after a graceful stop (SIGTERM/SIGINT).
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace wirebook::daemon {

class VenueRunner;
class VenueRecorder;
class LogQueue;

// Thrown for start-up failures that are the operator's to fix (exit code 2).
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Daemon {
 public:
  explicit Daemon(config::Config config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Creates segments and venue threads (throws StartupError / std::exception),
  // then serves until a stop signal. Returns the exit code.
  int run();

 private:
  struct Cold;
  void create_venues();
  void stop_venues();

  config::Config config_;
  std::unique_ptr<LogQueue> log_;
  // Before venues_: a venue's handler refers to its recorder until it is destroyed.
  std::vector<std::unique_ptr<VenueRecorder>> recorders_;
  std::vector<std::unique_ptr<VenueRunner>> venues_;
  struct Segments;
  std::unique_ptr<Segments> segments_;
};

// Blocks SIGTERM, SIGINT and SIGHUP on the calling (main) thread so a stop
// signal that arrives during start-up stays pending instead of killing the
// process; Daemon::run() releases them once its handlers catch them. Call it
// first thing, before any thread exists.
void hold_stop_signals();

// One problem per enabled venue whose kind this build lacks (empty: none).
[[nodiscard]] std::vector<std::string> unimplemented_venues(const config::Config& config);

}  // namespace wirebook::daemon
