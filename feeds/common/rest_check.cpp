#include "feeds/common/rest_check.hpp"

#include <algorithm>
#include <array>

#include "book/decimal.hpp"

namespace wirebook::feeds {

namespace {

// The best `depth` non-empty REST levels of one side, best first, into
// `out`; false when a text is not a decimal at the book's exponents.
bool best_rest_levels(std::span<const LevelText> levels, bool bid, int px_exp, int qty_exp,
                      std::size_t depth, book::Level* out, std::size_t& n) noexcept {
  n = 0;
  for (const LevelText& l : levels) {
    book::Level x{};
    if (book::parse_decimal(l.px, px_exp, x.px) != book::DecimalError::ok ||
        book::parse_decimal(l.qty, qty_exp, x.qty) != book::DecimalError::ok) {
      return false;
    }
    if (x.qty == 0) continue;
    // Insertion into the sorted best-`depth` prefix (REST order is not relied on).
    std::size_t k = n;
    while (k > 0 && (bid ? x.px > out[k - 1].px : x.px < out[k - 1].px)) --k;
    if (k >= depth) continue;
    for (std::size_t j = std::min(n, depth - 1); j > k; --j) out[j] = out[j - 1];
    out[k] = x;
    if (n < depth) ++n;
  }
  return true;
}

bool side_equal(const book::L2Book& b, book::Side side, int px_exp, int qty_exp,
                std::span<const LevelText> rest, std::size_t depth) noexcept {
  std::array<book::Level, kMaxRestCheckDepth> want{};
  std::array<book::Level, kMaxRestCheckDepth> have{};
  std::size_t n = 0;
  if (!best_rest_levels(rest, side == book::Side::bid, px_exp, qty_exp, depth, want.data(), n)) {
    return false;
  }
  const std::size_t m = b.copy_top(side, have.data(), depth);
  return m == n && std::equal(want.begin(), want.begin() + static_cast<std::ptrdiff_t>(n),
                              have.begin(), [](const book::Level& x, const book::Level& y) {
                                return x.px == y.px && x.qty == y.qty;
                              });
}

}  // namespace

bool top_levels_equal(const book::L2Book& book, int px_exp, int qty_exp,
                      std::span<const LevelText> bids, std::span<const LevelText> asks,
                      std::size_t depth) noexcept {
  depth = std::clamp<std::size_t>(depth, 1, kMaxRestCheckDepth);
  return side_equal(book, book::Side::bid, px_exp, qty_exp, bids, depth) &&
         side_equal(book, book::Side::ask, px_exp, qty_exp, asks, depth);
}

RestBookCheck::RestBookCheck(std::size_t books, std::int64_t interval_ns, std::int64_t confirm_ns)
    : interval_ns_(interval_ns), confirm_ns_(confirm_ns), state_(books) {}

bool RestBookCheck::take_due(std::uint32_t i, std::int64_t now_ns,
                             std::uint64_t book_version) noexcept {
  State& s = state_[i];
  if (!enabled() || s.outstanding || now_ns < s.next_ns) return false;
  s.outstanding = true;
  s.asked_version = book_version;
  return true;
}

void RestBookCheck::restart(std::uint32_t i, std::int64_t now_ns) noexcept {
  state_[i].mismatches = 0;
  state_[i].next_ns = now_ns + interval_ns_;
}

void RestBookCheck::failed(std::uint32_t i, std::int64_t now_ns) noexcept {
  state_[i].outstanding = false;
  state_[i].next_ns = now_ns + interval_ns_;
}

RestVerdict RestBookCheck::compared(std::uint32_t i, bool same, std::int64_t now_ns) noexcept {
  State& s = state_[i];
  s.outstanding = false;
  if (same) {
    s.mismatches = 0;
    s.next_ns = now_ns + interval_ns_;
    return RestVerdict::same;
  }
  if (++s.mismatches >= 2) {
    s.mismatches = 0;
    s.next_ns = now_ns + interval_ns_;
    return RestVerdict::drift;
  }
  s.next_ns = now_ns + confirm_ns_;
  return RestVerdict::mismatch;
}

RestVerdict RestBookCheck::compare(std::uint32_t i, const VenueBooks& books,
                                   std::span<const LevelText> bids, std::span<const LevelText> asks,
                                   std::size_t depth, std::int64_t now_ns) noexcept {
  const bool same =
      top_levels_equal(books.book(i), books.px_exp(i), books.qty_exp(i), bids, asks, depth);
  return compared(i, same, now_ns);
}

RestVerdict RestBookCheck::inconclusive(std::uint32_t i, std::int64_t now_ns) noexcept {
  State& s = state_[i];
  s.outstanding = false;
  s.next_ns = now_ns + (s.mismatches > 0 ? confirm_ns_ : interval_ns_);
  return RestVerdict::inconclusive;
}

}  // namespace wirebook::feeds
