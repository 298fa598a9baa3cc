#pragma once
// Seeded fault injection (DESIGN.md §8), configured per venue and per symbol.
//
// Spec syntax (repeatable `--fault`): `[venue:][symbol:]kind=value`, e.g.
//   drop=0.01                       every venue, every symbol
//   woo:SPOT_BTC_USDT:reorder=0.05  one symbol of one venue
//   pulse:refuse=2                  connection-level knob of one venue
// A scope whose first part names a simulator module (module.hpp) is a venue;
// otherwise it is a symbol of every venue.
// Delta kinds (a probability per book-delta frame of the symbol; at most one
// of them hits a given frame): drop, dup, reorder, corrupt, truncate,
// oversize, wrong_type, corrupt_level. corrupt_level is the silent one: the
// frame goes out well-formed with its chain fields untouched, but one level
// (one still among the best kCorruptLevelTop of its side in the truth) has a
// size one lot larger than the truth's; the truth, and so every snapshot and
// REST book, keeps the right size. Only a comparison with the REST book can
// see it (the drift checks); a later delta of that price heals it. Stream kinds (probability per
// delta frame, checked independently): stall, tcp_close, mid_frame_close. Connection kinds (per
// venue): refuse (first K connections closed after accept), http429
// (probability per handshake), slow (probability a connection is served
// slowly). Parameters: stall_ms, slow_ms, oversize_bytes.
//
// Every injected fault is counted in FaultCounters.
// Threading: FaultPlan/FaultDice belong to the io thread; counters are
// atomics readable from any thread.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tools/sim/rng.hpp"

namespace wirebook::sim {

enum class FaultKind : std::uint8_t {
  drop,
  dup,
  reorder,
  corrupt,
  truncate,
  oversize,
  wrong_type,
  corrupt_level,  // delta kinds (exclusive)
  stall,
  tcp_close,
  mid_frame_close,  // stream kinds
  refuse,
  http429,
  slow,  // connection kinds
  count_
};
inline constexpr std::size_t kFaultKinds = static_cast<std::size_t>(FaultKind::count_);
inline constexpr std::size_t kDeltaFaultKinds = 8;
// corrupt_level picks a level among this many best of its side, so a drift
// check of the top 10 levels sees it.
inline constexpr std::size_t kCorruptLevelTop = 5;

[[nodiscard]] const char* to_string(FaultKind k) noexcept;
[[nodiscard]] bool fault_from_string(std::string_view s, FaultKind& out) noexcept;

struct FaultRates {
  std::array<double, kFaultKinds> rate{};  // refuse holds K as a double
};

struct FaultParams {
  int stall_ms = 2000;
  int slow_ms = 50;
  std::size_t oversize_bytes = 2U << 20U;
};

// Faults of one venue: defaults plus per-symbol overrides.
struct VenueFaults {
  FaultRates defaults;
  std::map<std::string, FaultRates, std::less<>> per_symbol;
  [[nodiscard]] const FaultRates& for_symbol(std::string_view symbol) const;
  [[nodiscard]] bool any() const;
};

struct FaultConfig {
  std::map<std::string, VenueFaults, std::less<>> venues;  // by venue module name
  FaultParams params;
  // The faults of one venue (none when no spec reached it).
  [[nodiscard]] const VenueFaults& of(std::string_view venue) const;
};

// Parses one spec and merges it into `cfg`; throws std::invalid_argument with
// a readable message on a bad spec.
void apply_fault_spec(FaultConfig& cfg, std::string_view spec);

struct FaultCounters {
  std::array<std::atomic<std::uint64_t>, kFaultKinds> injected{};
  std::atomic<std::uint64_t> delta_frames{};  // delta frames considered for faults
  void add(FaultKind k, std::uint64_t n = 1) noexcept {
    injected[static_cast<std::size_t>(k)].fetch_add(n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t get(FaultKind k) const noexcept {
    return injected[static_cast<std::size_t>(k)].load(std::memory_order_relaxed);
  }
};

// What to do with one delta frame.
struct DeltaVerdict {
  FaultKind data = FaultKind::count_;  // a delta kind, or count_ for none
  bool stall = false;
  bool tcp_close = false;
  bool mid_frame_close = false;
};

// Per-symbol dice: an independent seeded stream so one symbol's faults do not
// depend on another's traffic.
class FaultDice {
 public:
  FaultDice(const FaultRates& rates, std::uint64_t seed) : rates_(rates), rng_(seed) {}
  [[nodiscard]] DeltaVerdict roll();
  [[nodiscard]] Rng& rng() noexcept { return rng_; }

 private:
  FaultRates rates_;
  Rng rng_;
};

// Frame mutations (deterministic given the rng).
[[nodiscard]] std::string corrupt_json(std::string_view frame, Rng& rng);
[[nodiscard]] std::string truncate_json(std::string_view frame, Rng& rng);
[[nodiscard]] std::string oversize_json(std::string_view frame, std::size_t bytes);
// Replaces the number after `"key":` by the string "NaN".
[[nodiscard]] std::string wrong_type_json(std::string_view frame, std::string_view key);

}  // namespace wirebook::sim
