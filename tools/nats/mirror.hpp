#pragma once
// The mirror (issue 20, DESIGN §9): rebuilds a bridged instance's shared
// memory on another host with the same layout, through the ordinary shm
// writer API, so every reader (C++, C, Python, the CLI) works unchanged.
//
// Per venue: the latest snapshots are loaded, the event stream is replayed
// from their JetStream position, and BOOK records are applied only when they
// chain (a diff's base_update_count is the update count the mirror holds).
// A sequence gap, a RESET record, a broken chain or a new source generation
// makes the books untrusted (RESYNCING) until a chained record, a full record
// or a newer snapshot plus replay restores them: a book is never LIVE while
// it may be wrong. Silence from the bridge for stale_ms makes books STALE; a
// dead or closed source writer or a lost NATS connection makes them
// DISCONNECTED. Position slots get the source's content from POSITION
// records and the positions snapshot; positions have no status, so a slot
// not known exact (after a hole, until a record or a snapshot plus replay)
// or whose venue is STALE/DISCONNECTED shows every field unknown.
//
// Threading: one thread per venue (its writer's only writer) plus the
// calling thread for the control segment; venues share only the Client
// (libnats is thread-safe) and the stop flag.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shm/writer.hpp"
#include "tools/nats/client.hpp"
#include "tools/nats/subjects.hpp"

namespace wirebook::nats {

struct MirrorOptions {
  std::string source;               // the bridged instance (subject token)
  std::string instance;             // local instance name (control segment)
  shm::SegmentOptions segments;     // local instance directory and modes
  std::vector<std::string> venues;  // empty: every venue the bridge lists
  std::int64_t stale_ms = 1000;     // no message from the bridge this long: STALE
  std::int64_t recover_retry_ms = 500;
  // Poll the consumer without blocking: saves the wake-up of a thread
  // waiting for a message, at the cost of a whole core per venue.
  bool spin = false;
};

// Source publish -> mirror publish latency (the mirror's CLOCK_REALTIME at its
// publication minus the source slot's publish timestamp carried in the BOOK
// record; meaningful when both clocks agree, e.g. one host or PTP). 1 us
// buckets up to 65.5 ms, then one overflow bucket. Relaxed atomics: one
// writer per venue thread, any reader.
class LatencyRecorder {
 public:
  static constexpr std::size_t kBuckets = 65537;
  LatencyRecorder() : buckets_(kBuckets) {}
  void record(std::int64_t ns) noexcept {
    const std::int64_t us = ns <= 0 ? 0 : ns / 1000;
    const std::size_t k =
        us < static_cast<std::int64_t>(kBuckets - 1) ? static_cast<std::size_t>(us) : kBuckets - 1;
    buckets_[k].fetch_add(1, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t count() const noexcept;
  // Upper bound (us) of the bucket holding quantile q in [0, 1]; -1 if empty.
  [[nodiscard]] std::int64_t quantile_us(double q) const noexcept;
  void clear() noexcept;

 private:
  std::vector<std::atomic<std::uint64_t>> buckets_;
};

struct MirrorCounters {
  LatencyRecorder source_to_mirror;
  std::atomic<std::uint64_t> messages{0};
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> book_records{0};
  std::atomic<std::uint64_t> position_records{0};
  std::atomic<std::uint64_t> reference_records{0};
  std::atomic<std::uint64_t> gaps{0};              // sequence holes found
  std::atomic<std::uint64_t> resets{0};            // RESET records received
  std::atomic<std::uint64_t> chain_breaks{0};      // BOOK records that did not chain
  std::atomic<std::uint64_t> recoveries{0};        // snapshot loads + replays
  std::atomic<std::uint64_t> snapshots_loaded{0};  // book and positions snapshots
  std::atomic<std::uint64_t> malformed{0};         // messages and records rejected (logged)
};

class Mirror {
 public:
  Mirror(MirrorOptions options, Client& client);
  ~Mirror();
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  // Reads the source's venue list and layouts (waiting up to wait_ms for the
  // bridge to publish them) and creates the local segments.
  [[nodiscard]] bool start(std::int64_t wait_ms, std::string& error);
  // Runs every venue until `stop` returns true; then marks the segments CLOSED.
  void run(bool (*stop)());

  [[nodiscard]] const MirrorCounters& counters() const noexcept { return counters_; }
  // Starts a new latency measurement (benchmarks).
  void clear_latency() noexcept { counters_.source_to_mirror.clear(); }

  struct Venue;

 private:
  [[nodiscard]] bool create_control(std::string& error);
  void run_venue(Venue& v, bool (*stop)());

  MirrorOptions options_;
  Client& client_;
  Names names_;
  std::vector<std::unique_ptr<Venue>> venues_;
  std::unique_ptr<shm::ControlWriter> control_;
  std::atomic<bool> layout_changed_{false};
  MirrorCounters counters_;
};

}  // namespace wirebook::nats
