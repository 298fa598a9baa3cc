#include "book/l2_book.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>

#include "book/decimal.hpp"

namespace wirebook::book {
namespace {

constexpr std::int64_t kSentinelKey = std::numeric_limits<std::int64_t>::min();

// Levels just below the window are found by a short scan from the deep
// array's best end; beyond this many steps a binary search is cheaper.
constexpr std::size_t kLinearSteps = 8;

constexpr bool worse(Side s, std::int64_t a, std::int64_t b) noexcept {
  return s == Side::bid ? a < b : a > b;
}

// Moves n values from src to dst (overlapping allowed). Near the window n is a
// handful, where an inline loop beats a call to memmove.
inline void move_values(std::int64_t* dst, const std::int64_t* src, std::size_t n) noexcept {
  if (n <= 8) {
    if (dst < src) {
      for (std::size_t k = 0; k < n; ++k) dst[k] = src[k];
    } else {
      for (std::size_t k = n; k > 0; --k) dst[k - 1] = src[k - 1];
    }
    return;
  }
  std::memmove(dst, src, n * sizeof(std::int64_t));
}

// Number of keys below `key` in keys[0, n), sorted ascending.
inline std::size_t deep_lower_bound(const std::int64_t* keys, std::size_t n,
                                    std::int64_t key) noexcept {
  std::size_t hi = n;
  for (std::size_t step = 0; step < kLinearSteps && hi > 0; ++step) {
    if (keys[hi - 1] < key) return hi;
    --hi;
  }
  if (hi == 0) return 0;
  // Branch-free halving: the comparison outcome of a uniform update is a coin
  // flip, so a conditional move beats a mispredicted jump.
  const std::int64_t* base = keys;
  std::size_t len = hi;
  while (len > 1) {
    const std::size_t half = len / 2;
    base = base[half - 1] < key ? base + half : base;
    len -= half;
  }
  return static_cast<std::size_t>(base - keys) + (base[0] < key ? 1U : 0U);
}

}  // namespace

L2Book::L2Book(std::size_t max_levels_per_side) : max_levels_(max_levels_per_side) {
  if (max_levels_ == 0) throw std::invalid_argument("L2Book: max_levels_per_side must be >= 1");
  // Per side: alignment slack, the window keys, the quantity pool (kTop slots
  // and a scratch slot), then each deep array with a sentinel slot before it
  // and a spill slot after it.
  constexpr std::size_t kAlign = 64 / sizeof(std::int64_t);
  const std::size_t deep_slots = max_levels_ + 2;
  for (auto& s : sides_) {
    s.mem = std::make_unique<std::int64_t[]>(kAlign + 2 * kTop + 2 + 2 * deep_slots);
    const auto addr = reinterpret_cast<std::uintptr_t>(s.mem.get());
    const std::size_t skip = ((64 - addr % 64) % 64) / sizeof(std::int64_t);
    s.top_key = s.mem.get() + skip;
    s.pool = s.top_key + kTop;
    s.deep_key = s.pool + kTop + 2;
    s.deep_qty = s.deep_key + deep_slots;
    s.deep_key[-1] = kSentinelKey;
    s.deep_qty[-1] = 0;
    settle(s, 0);
  }
}

void L2Book::settle(SideStore& s, std::size_t n) noexcept {
  const std::size_t top = n < kTop ? n : kTop;
  const std::size_t deep = n - top;
  const std::size_t first = kTop - top;
  s.perm = kIdentityPerm;
  s.perm_aux = kTop;
  for (std::size_t i = 0; i < first; ++i) {
    s.top_key[i] = kSentinelKey;
    s.pool[i] = 0;
  }
  for (std::size_t i = 0; i < top; ++i) {
    s.top_key[first + i] = s.deep_key[deep + i];
    s.pool[first + i] = s.deep_qty[deep + i];
  }
  s.count = n;
}

std::size_t L2Book::lower_pos(const SideStore& s, std::int64_t key) noexcept {
  std::size_t below = 0;
  for (std::size_t i = kTop - s.top(); i < kTop; ++i) below += s.top_key[i] < key ? 1U : 0U;
  // Every deep level is worse than every window level.
  if (below > 0 || s.deep() == 0) return s.deep() + below;
  return deep_lower_bound(s.deep_key, s.deep(), key);
}

void L2Book::erase_at(SideStore& s, std::size_t i) noexcept {
  if (i < s.deep()) {
    move_values(s.deep_key + i, s.deep_key + i + 1, s.deep() - i - 1);
    move_values(s.deep_qty + i, s.deep_qty + i + 1, s.deep() - i - 1);
    --s.count;
    return;
  }
  // Window lanes below the erased one move up; lane 0 takes the deep array's
  // best level, or its sentinel when it is empty.
  const std::size_t lane = i - s.deep() + kTop - s.top();
  for (std::size_t j = lane; j > 0; --j) s.top_key[j] = s.top_key[j - 1];
  s.perm = perm_erase(s.perm, lane);
  const auto last = static_cast<std::ptrdiff_t>(s.deep()) - 1;
  s.top_key[0] = s.deep_key[last];
  s.pool[slot(s.perm, 0)] = s.deep_qty[last];
  --s.count;
}

void L2Book::insert_at(SideStore& s, std::size_t i, std::int64_t key, std::int64_t qty) noexcept {
  if (s.top() == kTop && i <= s.deep()) {
    move_values(s.deep_key + i + 1, s.deep_key + i, s.deep() - i);
    move_values(s.deep_qty + i + 1, s.deep_qty + i, s.deep() - i);
    s.deep_key[i] = key;
    s.deep_qty[i] = qty;
    ++s.count;
    return;
  }
  // Window lanes below the insertion point move down; lane 0 spills to the
  // deep array when the window is full (else it is an unused lane).
  const std::size_t lane = i - s.deep() + kTop - s.top() - 1;
  if (s.top() == kTop) {
    s.deep_key[s.deep()] = s.top_key[0];
    s.deep_qty[s.deep()] = s.pool[slot(s.perm, 0)];
  }
  ++s.count;
  for (std::size_t j = 0; j < lane; ++j) s.top_key[j] = s.top_key[j + 1];
  s.perm = perm_insert(s.perm, lane);
  s.top_key[lane] = key;
  s.pool[slot(s.perm, lane)] = qty;
}

ApplyResult L2Book::set_level_general(Side side, std::int64_t px, std::int64_t qty) noexcept {
  if (qty < 0) return ApplyResult::negative_qty;
  SideStore& s = sides_[idx(side)];
  const std::int64_t key = px ^ key_mask(side);
  const std::size_t n = s.count;
  const std::size_t pos = lower_pos(s, key);
  const bool exists = pos < n && key_at(s, pos) == key;
  if (qty == 0) {
    if (!exists) return ApplyResult::absent_delete;
    erase_at(s, pos);
    ++version_;
    return ApplyResult::deleted;
  }
  if (exists) {
    qty_ref(s, pos) = qty;
    ++version_;
    return ApplyResult::updated;
  }
  if (n < max_levels_) {
    insert_at(s, pos, key, qty);
    ++version_;
    return ApplyResult::inserted;
  }
  ++evictions_;
  truncated_ = true;
  if (pos == 0) return ApplyResult::dropped_full;
  // Full side, new level better than the worst: drop the worst, then insert
  // among the remaining levels.
  erase_at(s, 0);
  insert_at(s, pos - 1, key, qty);
  ++version_;
  return ApplyResult::evicted_worst;
}

void L2Book::clear() noexcept {
  settle(sides_[0], 0);
  settle(sides_[1], 0);
  evictions_ = 0;
  truncated_ = false;
  ++version_;
}

void L2Book::load_sorted(Side side, std::span<const Level> in, bool best_first) noexcept {
  SideStore& s = sides_[idx(side)];
  const std::int64_t mask = key_mask(side);
  // Count non-zero levels so we know how many of the worst to leave out.
  std::size_t nonzero = 0;
  for (const Level& l : in) nonzero += l.qty != 0 ? 1U : 0U;
  std::size_t skip = nonzero > max_levels_ ? nonzero - max_levels_ : 0;  // worst ones
  if (skip > 0) {
    evictions_ += skip;
    truncated_ = true;
  }
  std::size_t n = 0;
  // Walk from worst to best so the deep arrays fill index 0 upward; settle()
  // then moves the best levels into the window.
  for (std::size_t k = 0; k < in.size(); ++k) {
    const Level& l = best_first ? in[in.size() - 1 - k] : in[k];
    if (l.qty == 0) continue;
    if (skip > 0) {
      --skip;
      continue;
    }
    s.deep_key[n] = l.px ^ mask;
    s.deep_qty[n] = l.qty;
    ++n;
  }
  settle(s, n);
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

std::size_t L2Book::copy_top(Side side, Level* out, std::size_t n) const noexcept {
  return visit_top(side, n, [out](std::size_t k, const Level& l) noexcept { out[k] = l; });
}

std::int64_t L2Book::qty_at(Side side, std::int64_t px) const noexcept {
  const SideStore& s = sides_[idx(side)];
  const std::int64_t key = px ^ key_mask(side);
  const std::size_t pos = lower_pos(s, key);
  return (pos < s.count && key_at(s, pos) == key) ? qty_ref(s, pos) : 0;
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
  // Prices are scaled through their keys' prices; a positive factor keeps the
  // order, so the layout stays valid.
  for (std::size_t si = 0; si < 2; ++si) {
    const SideStore& s = sides_[si];
    const std::int64_t mask = key_mask(si == 0 ? Side::bid : Side::ask);
    for (std::size_t i = 0; i < s.count; ++i) {
      const std::int64_t v = prices ? key_at(s, i) ^ mask : qty_ref(s, i);
      std::int64_t out = 0;
      if (__builtin_mul_overflow(v, f, &out)) return false;
    }
  }
  for (std::size_t si = 0; si < 2; ++si) {
    const SideStore& s = sides_[si];
    const std::int64_t mask = key_mask(si == 0 ? Side::bid : Side::ask);
    for (std::size_t i = 0; i < s.count; ++i) {
      if (prices) {
        std::int64_t& key = key_at(s, i);
        key = ((key ^ mask) * f) ^ mask;
      } else {
        qty_ref(s, i) *= f;
      }
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
