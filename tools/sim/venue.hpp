#pragma once
// What every simulated venue shares: the seeded market (one generator per
// symbol, paced at a rate or as fast as clients drain), fault injection on
// delta frames, per-connection sessions, capture replay and the truth dump. A
// venue module (tools/sim/<venue>/, module.hpp) subclasses Venue with only
// its protocol: parsing requests, formatting frames, heartbeats.
//
// Threading: one io thread calls everything; counters are atomics readable
// from other threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tools/sim/capture.hpp"
#include "tools/sim/faults.hpp"
#include "tools/sim/generator.hpp"
#include "tools/sim/module.hpp"
#include "tools/sim/net.hpp"
#include "tools/sim/rng.hpp"
#include "tools/sim/symbols.hpp"

namespace wirebook::sim {

using Clock = std::chrono::steady_clock;

// The options every venue takes; a module's own options reach it through
// ModuleOptions (module.hpp).
struct VenueOptions {
  std::uint64_t seed = 1;
  std::size_t symbols = 0;  // 0: the venue's default list
  GeneratorParams gen;
  double rate = 20.0;        // book events per second for the venue, 0 = as fast as possible
  std::uint64_t frames = 0;  // stop after this many book events (0 = unbounded)
  double seconds = 0;        // stop after this long (0 = unbounded)
  std::size_t wait_subscriptions = 0;  // hold the market until this many subscriptions exist
  VenueFaults faults;
  FaultParams fault_params;
  // Counted-break mode for end-to-end tests: after a fault that breaks a
  // symbol's chain (any delta kind; oversize, tcp_close and mid_frame_close
  // break every symbol), that symbol gets no new fault until a client has
  // been served a fresh snapshot of it and `settle_frames` clean deltas
  // followed; a stall waits for every symbol to settle. So each injected
  // fault is one detectable break, whatever the timing. The bounded run then
  // ends only once every symbol has settled and, with `max_faults`, that
  // many faults were injected (no new faults after `frames` otherwise), or
  // after `settle_timeout_s` more seconds.
  bool faults_wait_resync = false;
  std::uint32_t settle_frames = 2;
  std::uint64_t max_faults = 0;  // counted-break mode: inject exactly this many (0 = no quota)
  double settle_timeout_s = 30;
  std::size_t backpressure_bytes = 4U << 20U;  // max-rate mode pauses while a client queue is above
  std::size_t max_queue_bytes = 256U
                                << 20U;  // a client queue above this is dropped (slow consumer)
  // Capture replay (replaces the generator when non-empty)
  std::vector<CaptureFrame> capture;
  double capture_speed = 1.0;  // 0 = as fast as possible
};

class Venue;

// Per-connection state every venue has.
class VenueSession : public ConnectionHandler {
 public:
  VenueSession(Venue& venue, Connection& conn) : venue_(venue), conn_(conn) {}
  // Called by the server exactly once; only then may the venue free the session.
  void on_closed() override { closed_ = true; }
  [[nodiscard]] bool closed() const noexcept { return closed_; }
  // The venue is closing this connection: no more frames go to it.
  void mark_closing() noexcept { closing_ = true; }
  [[nodiscard]] bool active() const noexcept { return !closed_ && !closing_; }
  [[nodiscard]] Connection& conn() noexcept { return conn_; }
  // Subscriptions this session holds (for --wait-subscriptions).
  [[nodiscard]] virtual std::size_t subscriptions() const = 0;

  std::size_t capture_pos = 0;
  Clock::time_point capture_start{};
  // Venue::break_all() calls before this session was accepted: a session
  // from before the latest break is one the client is about to drop.
  std::uint64_t breaks_before = 0;

 protected:
  Venue& venue_;
  Connection& conn_;
  bool closed_ = false;
  bool closing_ = false;
};

struct VenueStats {
  std::atomic<std::uint64_t> events{};       // book events generated
  std::atomic<std::uint64_t> connections{};  // accepted WebSocket sessions
  std::atomic<std::uint64_t> frames_sent{};  // frames queued to clients
  std::atomic<std::uint64_t> slow_consumer_drops{};
  std::atomic<std::uint64_t> heartbeat_closes{};  // missed pongs / test_request
};

class Venue {
 public:
  Venue(const VenueModule& module, VenueOptions opts);
  virtual ~Venue() = default;
  Venue(const Venue&) = delete;
  Venue& operator=(const Venue&) = delete;

  [[nodiscard]] const VenueModule& module() const noexcept { return module_; }
  [[nodiscard]] std::string_view name() const noexcept { return module_.name; }
  // The URL path clients connect to (the server accepts it and any suffix).
  [[nodiscard]] std::string_view path() const noexcept { return module_.path; }
  // The venue's answers to plain GETs on its port (REST), or null when it has none.
  [[nodiscard]] virtual HttpResponder* rest() noexcept { return nullptr; }
  // SSE modules: the answer to a GET on `target`, whose request headers
  // `header(name)` returns ("" when absent): 200 opens an event stream, 0
  // means no stream lives there (REST or 404), anything else refuses it with
  // that HTTP status (e.g. 401 for a missing or wrong API key). The default
  // opens a stream on the module's path and its suffixes.
  [[nodiscard]] virtual int stream_status(
      std::string_view target,
      const std::function<std::string_view(std::string_view)>& /*header*/) const {
    return target.starts_with(path()) ? 200 : 0;
  }

  // Server-facing: a new client session on the module's path; the venue owns the handler.
  ConnectionHandler& attach(Connection& conn);
  // Connection-level faults, decided (and counted) per accepted TCP connection.
  [[nodiscard]] bool refuse_next();
  [[nodiscard]] bool http429_next();
  [[nodiscard]] bool slow_next();
  [[nodiscard]] int slow_ms() const noexcept { return opts_.fault_params.slow_ms; }

  // Storm control (issue 23): every open connection of the venue loses its
  // TCP connection at once, no close frame (SIGUSR1 does it for every venue).
  void drop_all();
  // The access log (--access-log): one line per client request, "<t_ns>
  // <venue> connect|rest" with t_ns CLOCK_MONOTONIC, flushed at once so a
  // test reads it while the simulator runs. connect: a WebSocket upgrade or
  // an event-stream request (also those answered 429); rest: a plain GET.
  // Connections refused before their request (the refuse fault) are not in it.
  void set_access_log(std::FILE* log) noexcept { access_log_ = log; }
  void note_request(bool rest) const;
  // The wire stamp (bench/e2e/wire_bench.cpp): called on the io thread with
  // each frame just before the server writes it to a client's socket, so a
  // bench can note when a frame goes on the wire. Set before run(); empty: no call.
  using WriteObserver = std::function<void(const SharedFrame&)>;
  void set_write_observer(WriteObserver observer) { write_observer_ = std::move(observer); }
  void observe_write(const SharedFrame& frame) const {
    if (write_observer_) write_observer_(frame);
  }

  // Driver: generate due events and run timers. Returns true when it wants to
  // be polled again immediately (max-rate mode with work left).
  bool poll(Clock::time_point now);
  [[nodiscard]] bool finished() const noexcept { return finished_; }
  // Closes every open session gracefully; returns how many are still open.
  void close_all(std::uint16_t code, std::string_view reason);
  [[nodiscard]] std::size_t open_sessions() const;

  // The true final books, one dump-format JSON line per symbol (DESIGN.md §7).
  void append_truth(std::string& out) const;

  [[nodiscard]] FaultCounters& faults() noexcept { return counters_; }
  [[nodiscard]] VenueStats& stats() noexcept { return stats_; }
  [[nodiscard]] const std::vector<SymbolSpec>& symbols() const noexcept { return specs_; }
  [[nodiscard]] const VenueOptions& options() const noexcept { return opts_; }

 protected:
  // Hooks for the venue module.
  virtual std::unique_ptr<VenueSession> make_session(Connection& conn) = 0;
  virtual void on_event(std::size_t sym, const BookEvent& ev) = 0;
  virtual void on_timer(Clock::time_point now) = 0;
  virtual void on_finish() {}
  // A venue module calls this when it serves a client a fresh snapshot of
  // `sym` (subscription or snapshot request) on `session`: the symbol has
  // resynchronised, unless that session predates the latest break_all() (an
  // answer to a request sent before the break, on a connection the client is
  // dropping, resynchronises nothing).
  void snapshot_served(std::size_t sym, const VenueSession& session);
  // ... and this when it breaks every symbol's stream itself (e.g. a
  // heartbeat close): each needs a fresh snapshot before its next fault.
  void break_all();
  // Counted-break mode: false while the module still has a fault of its own
  // to inject (the run does not end before it).
  [[nodiscard]] virtual bool module_settled() const noexcept { return true; }
  // Counted-break mode: does this delta fault break the venue's chain? (A
  // duplicate is harmless where the chain lets the client recognise it.)
  [[nodiscard]] virtual bool breaks_chain(FaultKind /*kind*/) const noexcept { return true; }
  // Counted-break mode: does a client's resync of one symbol refresh every
  // symbol (no per-symbol way back, e.g. only an unsubscribe-all)? Then a
  // chain fault holds every symbol's next fault until all are served afresh,
  // so no fault lands unseen while that resync is on its way.
  [[nodiscard]] virtual bool resync_takes_every_symbol() const noexcept { return false; }
  // Counted-break mode: does each connection carry one symbol (a stream per
  // market, e.g. OCX over SSE)? Then a dropped or oversized connection breaks
  // only the symbol whose delta it carried, not every symbol.
  [[nodiscard]] virtual bool connection_per_symbol() const noexcept { return false; }

  // The connections subscribed to the delta stream of `sym`.
  virtual void delta_recipients(std::size_t sym, std::vector<Connection*>& out) = 0;
  // One book-delta frame of a symbol in the venue's wire shape, from its level
  // changes; no side effects (corrupt_level calls it with one size changed).
  using DeltaFormat = std::function<std::string(const std::vector<LevelChange>&)>;
  // Delivers the delta frame of event `ev` of `sym` to its recipients,
  // applying the symbol's faults. `chain_key` names the field wrong_type rewrites.
  void deliver_delta(std::size_t sym, const BookEvent& ev, std::string_view chain_key,
                     const DeltaFormat& format);
  // Queues a frame on one connection, enforcing the slow-consumer cap.
  void send(Connection& c, const SharedFrame& f);

  [[nodiscard]] std::int64_t wall_ms() const;
  [[nodiscard]] std::int64_t next_ts_ms(std::size_t sym);  // strictly increasing per symbol
  [[nodiscard]] std::int64_t last_ts_ms(std::size_t sym) const { return last_ts_ms_[sym]; }
  [[nodiscard]] const BookGenerator& generator(std::size_t sym) const { return gens_[sym]; }
  [[nodiscard]] std::optional<std::size_t> find_symbol(std::string_view name) const;
  [[nodiscard]] Rng& format_rng() noexcept { return format_rng_; }

  template <class Fn>
  void for_each_session(Fn&& fn) {
    for (auto& s : sessions_)
      if (s->active()) fn(*s);
  }

  VenueOptions opts_;

 private:
  const VenueModule& module_;
  void generate(Clock::time_point now);
  void replay_capture(Clock::time_point now);
  void finish();
  [[nodiscard]] bool backpressured() const;
  [[nodiscard]] std::size_t subscriptions() const;
  // faults_wait_resync: may `sym` take a fault now? (all symbols for stream faults)
  [[nodiscard]] bool settled(std::size_t sym) const noexcept;
  [[nodiscard]] bool all_settled() const noexcept;
  [[nodiscard]] bool fault_window_open() const noexcept;
  void mask_unsettled(std::size_t sym, DeltaVerdict& v) const noexcept;
  void note_fault(std::size_t sym, const DeltaVerdict& v, bool delivered);
  // corrupt_level: `changes` with one size made wrong; false when no level
  // of the event qualifies (faults.hpp).
  [[nodiscard]] bool corrupt_one_level(std::size_t sym, std::vector<LevelChange>& changes,
                                       Rng& rng) const;
  // Counted-break mode: after corrupt_level the market holds still until the
  // symbol is served a fresh snapshot (or settle_timeout_s): a delta that
  // overwrote the level would hide a fault that only a check can find.
  [[nodiscard]] bool market_held(Clock::time_point now);

  std::vector<SymbolSpec> specs_;
  std::vector<BookGenerator> gens_;
  std::vector<FaultDice> dice_;
  std::vector<std::int64_t> last_ts_ms_;
  std::vector<SharedFrame> held_;  // reorder: a delta waiting for its successor
  // faults_wait_resync state per symbol: waiting for a snapshot, then clean deltas to go.
  std::vector<std::uint8_t> awaiting_snapshot_;
  std::uint64_t breaks_ = 0;  // break_all() calls
  std::vector<std::uint32_t> settle_left_;
  std::uint64_t faults_noted_ = 0;
  Clock::time_point frames_done_at_{};
  std::vector<std::unique_ptr<VenueSession>> sessions_;
  Rng market_rng_;
  Rng format_rng_;
  Rng conn_rng_;
  BookEvent event_;
  std::vector<Connection*> recipients_;
  std::vector<LevelChange> corrupted_;   // corrupt_level: the changes as sent
  std::optional<std::size_t> held_for_;  // counted-break mode: the market waits for this symbol
  Clock::time_point held_since_{};
  bool started_ = false;
  bool finished_ = false;
  Clock::time_point start_{};
  Clock::time_point stall_until_{};
  Clock::duration stalled_{};
  std::uint64_t refused_ = 0;
  FaultCounters counters_;
  VenueStats stats_;
  std::FILE* access_log_ = nullptr;  // not owned (the Simulator's)
  WriteObserver write_observer_;
};

}  // namespace wirebook::sim
