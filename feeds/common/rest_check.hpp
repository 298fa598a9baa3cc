#pragma once
// The periodic REST cross-check of live books (DESIGN.md §5) for venues whose
// REST book carries no sequence, so it cannot be aligned with the stream
// (O2's unsequenced markets, OCX's GET /perps/orderbook): the top levels of a
// LIVE book are compared with the venue's REST book. A single mismatch may be
// timing (the market moved between the two reads), so it is only checked
// again after `confirm_ns`; a second consecutive mismatch is a drift, and the
// caller resyncs that book and raises its drift alarm.
//
// A REST book taken at another point of the book's history than the live one
// cannot be compared: the venue says so (inconclusive), and that check is
// neither a mismatch nor a match. Where the REST book names its place in the
// chain (WOO's timestamp, O2's seq) the venue compares only when it names
// the live book's last key; where it names none (OCX, unsequenced O2), only
// when the live book did not change between the GET being queued and the
// reply being compared (asked_version) — a moving book is left alone, since
// its REST book may be any moment of that round trip.
//
// Venue-neutral; the venue says where its REST book comes from and how it
// resyncs. Threading: the venue thread only; no allocation after
// construction, nothing throws.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "book/l2_book.hpp"
#include "feeds/common/level_text.hpp"
#include "feeds/common/venue_books.hpp"

namespace wirebook::feeds {

// The most levels per side a check compares.
inline constexpr std::size_t kMaxRestCheckDepth = 100;

// True when the best `depth` levels of each side of `book` (at the book's
// exponents) equal the best `depth` of the REST levels: texts in any order,
// size 0 skipped. A REST text with more decimals than the book's exponent,
// or one that is not a decimal, cannot be equal. `depth` is capped at
// kMaxRestCheckDepth.
[[nodiscard]] bool top_levels_equal(const book::L2Book& book, int px_exp, int qty_exp,
                                    std::span<const LevelText> bids,
                                    std::span<const LevelText> asks, std::size_t depth) noexcept;

enum class RestVerdict : std::uint8_t {
  same,          // the check passed
  mismatch,      // the first mismatch: checked again after confirm_ns
  drift,         // the second in a row: resync the book, raise the alarm
  inconclusive,  // the REST book stands elsewhere in the book's history: not compared
};

// When each book is due a check, and its run of mismatches.
class RestBookCheck {
 public:
  // interval_ns 0: never due (the check is off).
  RestBookCheck(std::size_t books, std::int64_t interval_ns, std::int64_t confirm_ns);

  [[nodiscard]] bool enabled() const noexcept { return interval_ns_ > 0; }
  // True (and book i marked outstanding) when book i's next check is due;
  // `book_version` (the live book's version now) is kept for asked_version.
  // Call it only for LIVE books.
  [[nodiscard]] bool take_due(std::uint32_t i, std::int64_t now_ns,
                              std::uint64_t book_version = 0) noexcept;
  // The live book's version when the outstanding GET of book i was queued.
  [[nodiscard]] std::uint64_t asked_version(std::uint32_t i) const noexcept {
    return state_[i].asked_version;
  }
  // Book i (re)went LIVE: a clean slate, its first check an interval later.
  void restart(std::uint32_t i, std::int64_t now_ns) noexcept;
  // The outstanding check of book i failed (not queued, a failed or
  // unreadable reply, the book no longer LIVE): the next one an interval later.
  void failed(std::uint32_t i, std::int64_t now_ns) noexcept;
  // The outstanding check of book i was compared.
  [[nodiscard]] RestVerdict compared(std::uint32_t i, bool same, std::int64_t now_ns) noexcept;
  // Compares the outstanding check of book i: the live book's top `depth`
  // levels (top_levels_equal) with the REST levels, then as compared().
  [[nodiscard]] RestVerdict compare(std::uint32_t i, const VenueBooks& books,
                                    std::span<const LevelText> bids,
                                    std::span<const LevelText> asks, std::size_t depth,
                                    std::int64_t now_ns) noexcept;
  // The outstanding check of book i could not be compared (see above): a
  // first mismatch still waiting for its confirmation keeps waiting (checked
  // again after confirm_ns), otherwise the next check an interval later.
  RestVerdict inconclusive(std::uint32_t i, std::int64_t now_ns) noexcept;
  [[nodiscard]] bool outstanding(std::uint32_t i) const noexcept { return state_[i].outstanding; }

 private:
  struct State {
    bool outstanding = false;
    int mismatches = 0;
    std::int64_t next_ns = 0;
    std::uint64_t asked_version = 0;
  };
  std::int64_t interval_ns_;
  std::int64_t confirm_ns_;
  std::vector<State> state_;
};

}  // namespace wirebook::feeds
