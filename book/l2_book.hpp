#pragma once
// L2 order book with integer prices (DESIGN.md §1, §3).
//
// Storage: per side, one sorted contiguous array of {px, qty} levels with the
// best level at the END (bids ascending, asks descending).
// Updates near the touch therefore search a few entries from the end and move
// only the handful of levels behind the insertion point; deep updates fall back
// to a binary search. Capacity is fixed by the constructor.
//
// Capacity policy: each side keeps at most `max_levels` levels, the best ones.
// A new level worse than every stored level on a full side is dropped; a new
// level better than the worst evicts the worst. Both are counted in
// `evictions()` and make `truncated()` true until the next clear/snapshot,
// because a later delete near the touch could then expose a depth the venue has
// but we dropped. Callers size `max_levels` above the depth they publish.
//
// Threading: single owner (a venue thread); not thread-safe. Never allocates
// after construction, never throws after construction.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "book/book_op.hpp"

namespace wirebook::book {

enum class ApplyResult : std::uint8_t {
  inserted,       // a new price level
  updated,        // quantity of an existing level changed
  deleted,        // qty 0 removed an existing level
  absent_delete,  // qty 0 for a price we do not hold (venues do send these)
  evicted_worst,  // inserted; the side was full so its worst level was dropped
  dropped_full,   // not stored: the side is full and the level is worse than all
  negative_qty,   // rejected: quantities are never negative
};

class L2Book {
 public:
  explicit L2Book(std::size_t max_levels_per_side);

  L2Book(const L2Book&) = delete;
  L2Book& operator=(const L2Book&) = delete;
  L2Book(L2Book&&) noexcept = default;
  L2Book& operator=(L2Book&&) noexcept = default;
  ~L2Book() = default;

  // Sets the absolute quantity at `px`; qty 0 deletes. Bumps version() unless
  // nothing changed (absent_delete, dropped_full, negative_qty).
  [[nodiscard]] ApplyResult set_level(Side side, std::int64_t px, std::int64_t qty) noexcept;

  // Applies one operation (side, px, qty from `op`).
  [[nodiscard]] ApplyResult apply(const BookOp& op) noexcept {
    return set_level(op.side, op.px, op.qty);
  }

  // Removes every level on both sides; bumps version().
  void clear() noexcept;

  // Replaces the whole book in one step. Input levels may come in any order;
  // duplicates keep the last quantity; zero quantities are skipped. Only the
  // best max_levels per side are kept (the rest count as evictions). Returns
  // false (book cleared) if any quantity is negative.
  [[nodiscard]] bool apply_snapshot(std::span<const Level> bids,
                                    std::span<const Level> asks) noexcept;

  // Best level of a side; false if the side is empty.
  [[nodiscard]] bool best(Side side, Level& out) const noexcept;

  // Copies up to `n` best levels of a side, best first; returns the count.
  std::size_t copy_top(Side side, Level* out, std::size_t n) const noexcept;

  // Quantity at `px` or 0 when absent.
  [[nodiscard]] std::int64_t qty_at(Side side, std::int64_t px) const noexcept;

  [[nodiscard]] std::size_t level_count(Side side) const noexcept {
    return sides_[idx(side)].count;
  }
  [[nodiscard]] std::size_t max_levels() const noexcept { return max_levels_; }
  [[nodiscard]] bool empty() const noexcept { return sides_[0].count == 0 && sides_[1].count == 0; }

  // Best bid >= best ask (both sides non-empty).
  [[nodiscard]] bool crossed() const noexcept;

  // Incremented on every change; readers use it to tell books apart in time.
  [[nodiscard]] std::uint64_t version() const noexcept { return version_; }
  [[nodiscard]] std::uint64_t evictions() const noexcept { return evictions_; }
  [[nodiscard]] bool truncated() const noexcept { return truncated_; }

  // Multiplies every price (or quantity) by 10^k (k >= 0), used when the
  // adapter widens an exponent. Returns false, leaving the book unchanged,
  // if any value would overflow.
  [[nodiscard]] bool scale_prices(int k) noexcept;
  [[nodiscard]] bool scale_quantities(int k) noexcept;

 private:
  struct SideStore {
    std::unique_ptr<Level[]> levels;  // sorted worst..best; best at [count-1]
    std::size_t count = 0;
  };

  static constexpr std::size_t idx(Side s) noexcept { return static_cast<std::size_t>(s); }
  // True when price a is strictly better than price b on `side`.
  static constexpr bool better(Side s, std::int64_t a, std::int64_t b) noexcept {
    return s == Side::bid ? a > b : a < b;
  }
  // Number of stored levels strictly worse than `px` (its insertion index).
  [[nodiscard]] std::size_t lower_pos(Side side, std::int64_t px) const noexcept;
  [[nodiscard]] bool scale_values(bool prices, int k) noexcept;
  void load_sorted(Side side, std::span<const Level> in, bool best_first) noexcept;

  std::size_t max_levels_;
  SideStore sides_[2];
  std::uint64_t version_ = 0;
  std::uint64_t evictions_ = 0;
  bool truncated_ = false;
};

}  // namespace wirebook::book
