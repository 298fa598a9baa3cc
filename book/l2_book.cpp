#include "book/l2_book.hpp"

#include <cstring>
#include <stdexcept>

#include "book/decimal.hpp"

namespace wirebook::book {
namespace {

// Levels near the touch are found by a short scan from the best end; beyond
// this many steps a binary search over the remainder is cheaper.
constexpr std::size_t kLinearSteps = 8;

constexpr bool worse(Side s, std::int64_t a, std::int64_t b) noexcept {
  return s == Side::bid ? a < b : a > b;
}

// Moves n levels from src to dst (overlapping allowed). Near the touch n is a
// handful, where an inline loop beats a call to memmove.
inline void move_levels(Level* dst, const Level* src, std::size_t n) noexcept {
  if (n <= 8) {
    if (dst < src) {
      for (std::size_t k = 0; k < n; ++k) dst[k] = src[k];
    } else {
      for (std::size_t k = n; k > 0; --k) dst[k - 1] = src[k - 1];
    }
    return;
  }
  std::memmove(dst, src, n * sizeof(Level));
}

// Insertion index of px in a side sorted worst..best: the number of levels
// strictly worse than px. Scans a few levels from the best end first.
template <Side S>
inline std::size_t find_pos(const Level* lv, std::size_t count, std::int64_t px) noexcept {
  std::size_t hi = count;
  // Invariant: every level at index >= hi is better than or equal to px.
  for (std::size_t step = 0; step < kLinearSteps && hi > 0; ++step) {
    if (worse(S, lv[hi - 1].px, px)) return hi;
    --hi;
  }
  std::size_t lo = 0;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (worse(S, lv[mid].px, px)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

}  // namespace

L2Book::L2Book(std::size_t max_levels_per_side) : max_levels_(max_levels_per_side) {
  if (max_levels_ == 0) throw std::invalid_argument("L2Book: max_levels_per_side must be >= 1");
  for (auto& s : sides_) s.levels = std::make_unique<Level[]>(max_levels_);
}

std::size_t L2Book::lower_pos(Side side, std::int64_t px) const noexcept {
  const SideStore& s = sides_[idx(side)];
  return side == Side::bid ? find_pos<Side::bid>(s.levels.get(), s.count, px)
                           : find_pos<Side::ask>(s.levels.get(), s.count, px);
}

ApplyResult L2Book::set_level(Side side, std::int64_t px, std::int64_t qty) noexcept {
  if (qty < 0) return ApplyResult::negative_qty;
  SideStore& s = sides_[idx(side)];
  Level* lv = s.levels.get();
  const std::size_t pos = lower_pos(side, px);
  const bool exists = pos < s.count && lv[pos].px == px;
  if (qty == 0) {
    if (!exists) return ApplyResult::absent_delete;
    move_levels(lv + pos, lv + pos + 1, s.count - pos - 1);
    --s.count;
    ++version_;
    return ApplyResult::deleted;
  }
  if (exists) {
    lv[pos].qty = qty;
    ++version_;
    return ApplyResult::updated;
  }
  if (s.count < max_levels_) {
    move_levels(lv + pos + 1, lv + pos, s.count - pos);
    lv[pos] = Level{px, qty};
    ++s.count;
    ++version_;
    return ApplyResult::inserted;
  }
  ++evictions_;
  truncated_ = true;
  if (pos == 0) return ApplyResult::dropped_full;
  // Full side, new level better than the worst: drop index 0, shift the levels
  // worse than px down by one and insert at pos - 1.
  move_levels(lv, lv + 1, pos - 1);
  lv[pos - 1] = Level{px, qty};
  ++version_;
  return ApplyResult::evicted_worst;
}

void L2Book::clear() noexcept {
  sides_[0].count = 0;
  sides_[1].count = 0;
  evictions_ = 0;
  truncated_ = false;
  ++version_;
}

void L2Book::load_sorted(Side side, std::span<const Level> in, bool best_first) noexcept {
  SideStore& s = sides_[idx(side)];
  // Count non-zero levels so we know how many of the worst to leave out.
  std::size_t nonzero = 0;
  for (const Level& l : in) nonzero += l.qty != 0 ? 1U : 0U;
  std::size_t skip = nonzero > max_levels_ ? nonzero - max_levels_ : 0;  // worst ones
  if (skip > 0) {
    evictions_ += skip;
    truncated_ = true;
  }
  std::size_t n = 0;
  // Walk from worst to best so the store fills index 0 upward.
  for (std::size_t k = 0; k < in.size(); ++k) {
    const Level& l = best_first ? in[in.size() - 1 - k] : in[k];
    if (l.qty == 0) continue;
    if (skip > 0) {
      --skip;
      continue;
    }
    s.levels[n++] = l;
  }
  s.count = n;
}

bool L2Book::apply_snapshot(std::span<const Level> bids, std::span<const Level> asks) noexcept {
  clear();
  const std::span<const Level> sides_in[2] = {bids, asks};
  for (std::size_t si = 0; si < 2; ++si) {
    const Side side = si == 0 ? Side::bid : Side::ask;
    const auto in = sides_in[si];
    bool worst_first = true;  // strictly improving along the input
    bool best_first = true;   // strictly worsening along the input
    for (std::size_t k = 0; k < in.size(); ++k) {
      if (in[k].qty < 0) {
        clear();
        return false;
      }
      if (k > 0) {
        worst_first = worst_first && worse(side, in[k - 1].px, in[k].px);
        best_first = best_first && worse(side, in[k].px, in[k - 1].px);
      }
    }
    if (worst_first || best_first) {
      load_sorted(side, in, best_first && !worst_first);
    } else {
      // Unordered or duplicated input (rare): per-level inserts give the
      // documented semantics (last quantity wins, best levels kept).
      for (const Level& l : in) (void)set_level(side, l.px, l.qty);
    }
  }
  ++version_;
  return true;
}

bool L2Book::best(Side side, Level& out) const noexcept {
  const SideStore& s = sides_[idx(side)];
  if (s.count == 0) return false;
  out = s.levels[s.count - 1];
  return true;
}

std::size_t L2Book::copy_top(Side side, Level* out, std::size_t n) const noexcept {
  const SideStore& s = sides_[idx(side)];
  const std::size_t m = n < s.count ? n : s.count;
  for (std::size_t k = 0; k < m; ++k) out[k] = s.levels[s.count - 1 - k];
  return m;
}

std::int64_t L2Book::qty_at(Side side, std::int64_t px) const noexcept {
  const SideStore& s = sides_[idx(side)];
  const std::size_t pos = lower_pos(side, px);
  return (pos < s.count && s.levels[pos].px == px) ? s.levels[pos].qty : 0;
}

bool L2Book::crossed() const noexcept {
  Level b{};
  Level a{};
  return best(Side::bid, b) && best(Side::ask, a) && b.px >= a.px;
}

bool L2Book::scale_values(bool prices, int k) noexcept {
  if (k < 0) return false;
  if (k == 0) return true;
  if (k > 18) return empty();
  const std::int64_t f = pow10(k);
  // First pass checks every value, so a failure leaves the book untouched.
  for (const auto& s : sides_) {
    for (std::size_t i = 0; i < s.count; ++i) {
      std::int64_t v = 0;
      if (__builtin_mul_overflow(prices ? s.levels[i].px : s.levels[i].qty, f, &v)) return false;
    }
  }
  for (auto& s : sides_) {
    for (std::size_t i = 0; i < s.count; ++i) {
      std::int64_t& v = prices ? s.levels[i].px : s.levels[i].qty;
      v *= f;
    }
  }
  ++version_;
  return true;
}

bool L2Book::scale_prices(int k) noexcept {
  return scale_values(true, k);
}
bool L2Book::scale_quantities(int k) noexcept {
  return scale_values(false, k);
}

}  // namespace wirebook::book
