#pragma once
// The bridge (issue 20, DESIGN §9): an ordinary shared-memory reader of one
// wirebookd instance that publishes each venue's ring events and book
// publications and position slot contents to JetStream (EVENTS messages,
// wire.hpp), per-book and per-venue positions snapshots to a state stream
// kept at one message per subject, and the instance's and venues' layouts.
// It never writes a segment and never links the daemon.
//
// Ordering contract (what lets the mirror keep the reader protocol of
// shm/README "Recovering, or joining late"): a BOOK record for book i is
// placed after the ring event its slot reflects (slot ring_seq) and before
// any later LEVEL/SNAPSHOT event of book i. A POSITION event is preceded by
// its slot's content as of that event or later (unless that content was
// already sent), so a mirror writes the slot before it appends the event,
// as the source's writer does.
//
// Threading: one thread calls start() and step()/run(); the publish-ack
// callback runs on a libnats thread and touches only atomics.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tools/nats/client.hpp"
#include "tools/nats/subjects.hpp"

namespace wirebook::nats {

struct BridgeOptions {
  std::string instance;             // source instance: subject token
  std::string dir;                  // its directory (/dev/shm/wirebook/<instance>)
  std::vector<std::string> venues;  // empty: every venue of the instance
  std::int64_t snapshot_interval_ms = 5000;
  std::int64_t heartbeat_ms = 100;  // a SOURCE record at least this often per venue
  std::size_t max_message_bytes = 256 * 1024;
  // Sleep this long when a pass found nothing; 0 spins (never sleeps: the
  // lowest latency, at the cost of a whole core).
  std::int64_t idle_sleep_us = 20;
  // Event stream limits (created when absent).
  bool file_storage = true;
  std::int64_t max_age_ms = 3'600'000;
  std::int64_t max_bytes = 1LL << 30;
  std::int64_t duplicates_window_ms = 120'000;
};

struct BridgeCounters {
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> messages{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> book_records{0};
  std::atomic<std::uint64_t> snapshots{0};  // book and positions snapshots
  std::atomic<std::uint64_t> position_records{0};
  std::atomic<std::uint64_t> reference_records{0};
  std::atomic<std::uint64_t> resets{0};
  std::atomic<std::uint64_t> laps{0};  // overrun by the source ring
  std::atomic<std::uint64_t> publish_errors{0};
};

class Bridge {
 public:
  Bridge(BridgeOptions options, Client& client);
  ~Bridge();
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  // Opens the instance and its venues, creates the streams when absent,
  // publishes the layouts and finds where the previous bridge stopped.
  [[nodiscard]] bool start(std::string& error);
  // One pass over every venue; returns the number of records produced.
  std::size_t step(std::int64_t now_monotonic_ns);
  // step() until `stop` returns true; sleeps idle_sleep_us when idle (0: spins).
  void run(bool (*stop)());
  // Called from the client's publish-ack callback.
  void on_ack(std::string_view subject, bool ok, std::uint64_t stream_seq);

  [[nodiscard]] const BridgeCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const std::vector<std::string>& venue_names() const noexcept { return names_; }

  struct Venue;

 private:
  [[nodiscard]] bool open_venue(const std::string& name, std::string& error);
  void resume_or_reset(Venue& v);
  std::size_t drain_ring(Venue& v);
  std::size_t collect_books(Venue& v);
  template <class Value, class Read, class Encode>
  [[nodiscard]] bool send_slot(Venue& v, Value& value, Value& sent, Read read, Encode encode,
                               std::atomic<std::uint64_t>& records);
  [[nodiscard]] bool send_position(Venue& v, std::uint32_t slot, bool with_event);
  std::size_t collect_positions(Venue& v);
  void publish_positions(Venue& v, bool periodic);
  [[nodiscard]] bool send_reference(Venue& v, std::uint32_t i, bool with_event);
  std::size_t collect_references(Venue& v);
  void new_generation(Venue& v);
  void open_message(Venue& v);
  void flush(Venue& v);
  void publish_snapshots(Venue& v, std::int64_t now);
  void publish_venue_info(Venue& v);
  void publish_or_flag(Venue& v, const std::string& subject, std::string_view data,
                       const std::string& msg_id);
  void housekeeping(Venue& v, std::int64_t now);

  BridgeOptions options_;
  Client& client_;
  Names names_of_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<Venue>> venues_;
  BridgeCounters counters_;
  std::string nonce_;  // per bridge run: message ids are <nonce>-<counter>
  std::uint64_t msg_counter_ = 0;
};

// Routes the client's publish acks to a Bridge for exactly as long as it is
// attached: libnats may deliver an ack on its own thread at any time, even
// while the Bridge is being destroyed. Share it (std::shared_ptr) with the
// AckFn; attach after constructing the Bridge, detach before destroying it.
class AckRelay {
 public:
  void attach(Bridge* bridge) {
    const std::lock_guard<std::mutex> lock(mutex_);
    bridge_ = bridge;
  }
  void operator()(std::string_view subject, bool ok, std::uint64_t stream_seq) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (bridge_ != nullptr) bridge_->on_ack(subject, ok, stream_seq);
  }

 private:
  std::mutex mutex_;
  Bridge* bridge_ = nullptr;
};

}  // namespace wirebook::nats
