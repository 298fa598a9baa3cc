#pragma once
// Runs a Simulator on a background thread for the duration of a test, and
// the small helpers every simulator test uses.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tools/sim/sim.hpp"

namespace wirebook::simtest {

class SimThread {
 public:
  explicit SimThread(sim::SimConfig cfg) : sim_(std::move(cfg)), thread_([this] { sim_.run(); }) {}
  ~SimThread() {
    sim_.stop();
    if (thread_.joinable()) thread_.join();
  }
  SimThread(const SimThread&) = delete;
  SimThread& operator=(const SimThread&) = delete;

  sim::Simulator& sim() { return sim_; }
  // Waits for a bounded run to end by itself.
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  sim::Simulator sim_;
  std::thread thread_;
};

// A test configuration: ws and wss for the given venues, small and fast.
inline sim::SimConfig test_config(std::uint64_t seed, std::vector<std::string> venues) {
  sim::SimConfig cfg;
  cfg.venues = std::move(venues);
  cfg.venue.seed = seed;
  cfg.venue.rate = 0;  // as fast as the client drains
  cfg.linger_ms = 1000;
  return cfg;
}

// The names of a venue's first `n` instruments (0: its default list).
inline std::vector<std::string> symbol_names(const std::string& venue, std::size_t n = 0) {
  std::vector<std::string> out;
  for (const auto& s : sim::venue_symbols(venue, n)) out.push_back(s.name);
  return out;
}

// How many faults of kind `k` the served venue `venue` injected.
inline std::uint64_t injected(sim::Simulator& s, std::string_view venue, sim::FaultKind k) {
  return s.venue(venue)->faults().get(k);
}

// Polls `cond` until true or the timeout; returns the last value.
template <class F>
bool wait_for(F&& cond, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace wirebook::simtest
