#pragma once
// L2 order book with integer prices (DESIGN.md §1, §3).
//
// Storage, per side (structure of arrays, one allocation made by the
// constructor):
// - Keys instead of prices: a bid's key is its price, an ask's key is ~price,
//   so on both sides a larger key is a better level and one code path serves
//   both sides (the side only selects the store).
// - A fixed top window of kTop lanes (64-byte aligned keys) holds the best
//   min(count, kTop) levels, sorted worst..best with the best in the last
//   lane. Unused lanes (only when the side has fewer than kTop levels) hold
//   the key INT64_MIN and sit below the real ones. The window's quantities
//   live in a pool of kTop slots plus one scratch slot; `perm` holds the pool
//   slot of each lane, one byte per lane, so moving lanes moves bytes of one
//   integer (one pshufb) instead of quantities.
// - A deep array, sorted worst..best, holds the remaining levels; deep levels
//   are all worse than the window's. The window is full whenever the deep
//   array is not empty. deep_key[-1] is a sentinel (INT64_MIN, qty 0) that a
//   delete in a short window pulls in as padding; deep_key[deep] is a spill
//   slot the window writes unconditionally.
// A change to a price above lane 0's (most changes: venues update near the
// touch) has no data-dependent branch: two AVX2 compares locate the price;
// update/insert/delete are lane masks over the window and its shifts by one
// lane, a table-driven pshufb of `perm` and one quantity store. An insert
// spills the window's worst level to the top of the deep array, a delete
// pulls the deep array's best one in. Changes at or below lane 0 (this covers
// the key INT64_MIN), inserts on a full side and negative quantities take the
// general path: a short scan from the deep array's best end, then a binary
// search, and a move of the levels behind the insertion point. Builds without
// AVX2 always take the general path.
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
#if defined(__AVX2__)
#include <immintrin.h>
#endif

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

  // Removes every level on both sides; bumps version().
  void clear() noexcept;

  // Replaces the whole book in one step. Input levels may come in any order;
  // duplicates keep the last quantity; zero quantities are skipped. Only the
  // best max_levels per side are kept (the rest count as evictions). Returns
  // false (book cleared) if any quantity is negative.
  [[nodiscard]] bool apply_snapshot(std::span<const Level> bids,
                                    std::span<const Level> asks) noexcept;

  // Best level of a side; false if the side is empty.
  [[nodiscard]] bool best(Side side, Level& out) const noexcept {
    const SideStore& s = sides_[idx(side)];
    if (s.top() == 0) return false;
    out = Level{s.top_key[kTop - 1] ^ key_mask(side), s.pool[slot(s.perm, kTop - 1)]};
    return true;
  }

  // Copies up to `n` best levels of a side, best first; returns the count.
  std::size_t copy_top(Side side, Level* out, std::size_t n) const noexcept;

  // Calls fn(k, level) for k = 0.. over up to `n` best levels of a side, best
  // first, and returns how many: the same levels as copy_top without a buffer
  // (the shared-memory publisher stores them straight into its slot).
  template <class Fn>
  std::size_t visit_top(Side side, std::size_t n, Fn&& fn) const noexcept {
    const SideStore& s = sides_[idx(side)];
    const std::int64_t mask = key_mask(side);
    const std::size_t m = n < s.count ? n : s.count;
    const std::size_t top = s.top();
    // Locals: fn's stores (atomics into shared memory) might alias the
    // side's members, which would otherwise be reloaded for every level.
    const std::int64_t* const top_key = s.top_key;
    const std::int64_t* const pool = s.pool;
    const std::uint64_t perm = s.perm;
    std::size_t k = 0;
    for (; k < m && k < top; ++k) {
      const std::size_t lane = kTop - 1 - k;
      fn(k, Level{top_key[lane] ^ mask, pool[slot(perm, lane)]});
    }
    const std::int64_t* const deep_key = s.deep_key;
    const std::int64_t* const deep_qty = s.deep_qty;
    for (std::size_t i = s.deep(); k < m; ++k) {
      --i;
      fn(k, Level{deep_key[i] ^ mask, deep_qty[i]});
    }
    return m;
  }

  // Quantity at `px` or 0 when absent.
  [[nodiscard]] std::int64_t qty_at(Side side, std::int64_t px) const noexcept;

  [[nodiscard]] std::size_t level_count(Side side) const noexcept {
    return sides_[idx(side)].count;
  }
  [[nodiscard]] std::size_t max_levels() const noexcept { return max_levels_; }
  [[nodiscard]] bool empty() const noexcept {
    return level_count(Side::bid) == 0 && level_count(Side::ask) == 0;
  }

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
  static constexpr std::size_t kTop = 8;  // lanes in the top window

  struct SideStore {
    std::unique_ptr<std::int64_t[]> mem;  // backs the arrays below
    std::int64_t* top_key = nullptr;      // kTop lanes, worst..best, 64-byte aligned
    std::int64_t* pool = nullptr;         // window quantities: kTop slots + 1 scratch
    std::int64_t* deep_key = nullptr;     // worst..best; [-1] is a sentinel
    std::int64_t* deep_qty = nullptr;     // same layout as deep_key
    // Byte i of perm: pool slot of lane i. perm_aux is scratch for the
    // window's pshufb (its byte 0 stays kTop, the scratch slot).
    alignas(16) std::uint64_t perm = 0;
    std::uint64_t perm_aux = kTop;
    std::size_t count = 0;  // levels on the side
    // Levels in the window (lanes kTop - top() .. kTop - 1) and in the deep arrays.
    [[nodiscard]] std::size_t top() const noexcept { return count < kTop ? count : kTop; }
    [[nodiscard]] std::size_t deep() const noexcept { return count - top(); }
  };
  static constexpr std::uint64_t kIdentityPerm = 0x0706050403020100ULL;

  static constexpr std::size_t idx(Side s) noexcept { return static_cast<std::size_t>(s); }
  // key = px ^ key_mask: bids keep their price, asks store ~price.
  static constexpr std::int64_t key_mask(Side s) noexcept {
    return -static_cast<std::int64_t>(idx(s));
  }
  static std::size_t slot(std::uint64_t perm, std::size_t lane) noexcept {
    return static_cast<std::size_t>((perm >> (8 * lane)) & 0xFFU);
  }
  // Insert at `lane`: lanes 1..lane move down one, lane 0's slot goes to `lane`.
  static constexpr std::uint64_t perm_insert(std::uint64_t perm, std::size_t lane) noexcept {
    const std::uint64_t low_mask = ~std::uint64_t{0} >> (8 * (kTop - 1 - lane));
    return (perm & ~low_mask) | ((perm & low_mask) >> 8) | ((perm & 0xFFU) << (8 * lane));
  }
  // Delete at `lane`: lanes 0..lane-1 move up one, `lane`'s slot goes to lane 0.
  static constexpr std::uint64_t perm_erase(std::uint64_t perm, std::size_t lane) noexcept {
    const std::uint64_t low_mask = ~std::uint64_t{0} >> (8 * (kTop - 1 - lane));
    return (perm & ~low_mask) | ((perm << 8) & low_mask) | ((perm >> (8 * lane)) & 0xFFU);
  }
  // Logical index i (0 = worst) of a side's levels to its key / quantity.
  static std::int64_t& key_at(const SideStore& s, std::size_t i) noexcept {
    return i < s.deep() ? s.deep_key[i] : s.top_key[i - s.deep() + kTop - s.top()];
  }
  static std::int64_t& qty_ref(const SideStore& s, std::size_t i) noexcept {
    return i < s.deep() ? s.deep_qty[i] : s.pool[slot(s.perm, i - s.deep() + kTop - s.top())];
  }
  // Number of stored levels whose key is below `key` (its insertion index).
  [[nodiscard]] static std::size_t lower_pos(const SideStore& s, std::int64_t key) noexcept;
  static void erase_at(SideStore& s, std::size_t i) noexcept;
  // Needs a side below capacity.
  static void insert_at(SideStore& s, std::size_t i, std::int64_t key, std::int64_t qty) noexcept;
  // Moves the best min(n, kTop) of n levels held in the deep arrays into the window.
  static void settle(SideStore& s, std::size_t n) noexcept;
  [[nodiscard]] ApplyResult set_level_general(Side side, std::int64_t px,
                                              std::int64_t qty) noexcept;
  [[nodiscard]] bool scale_values(bool prices, int k) noexcept;
  void load_sorted(Side side, std::span<const Level> in, bool best_first) noexcept;

  std::size_t max_levels_;
  SideStore sides_[2];
  std::uint64_t version_ = 0;
  std::uint64_t evictions_ = 0;
  bool truncated_ = false;
};

namespace detail {
// Result of a change in the window by (exists, qty != 0).
inline constexpr ApplyResult kWindowResult[4] = {ApplyResult::absent_delete, ApplyResult::inserted,
                                                 ApplyResult::deleted, ApplyResult::updated};
// Lane masks by (exists, qty != 0): lanes 0..3 all-ones for an insert, 4..7
// for a delete.
alignas(32) inline constexpr std::int64_t kOpLanes[4][8] = {{0, 0, 0, 0, 0, 0, 0, 0},
                                                            {-1, -1, -1, -1, 0, 0, 0, 0},
                                                            {0, 0, 0, 0, -1, -1, -1, -1},
                                                            {0, 0, 0, 0, 0, 0, 0, 0}};
// pshufb controls over (perm, perm_aux) for a change in the window, by
// (exists, qty != 0) and lane. Bytes 0..7: the new perm (insert and delete move
// lane slots as perm_insert/perm_erase do); byte 8 keeps kTop; byte 9: the
// pool slot to write (update/delete: the price's lane; insert: lane 0's slot,
// which becomes the new lane's; absent delete: the scratch slot); byte 10:
// lane 0's slot before the change.
struct PermShuffles {
  alignas(16) std::uint8_t ctrl[4][8][16];
};
constexpr PermShuffles make_perm_shuffles() noexcept {
  PermShuffles t{};
  for (std::uint8_t lane = 0; lane < 8; ++lane) {
    for (std::uint8_t i = 0; i < 16; ++i) {
      const bool in = i < 8;
      const std::uint8_t none = i < 9 ? i : (i == 9 ? 8 : (i == 10 ? 0 : 0x80));
      t.ctrl[0][lane][i] = none;
      t.ctrl[1][lane][i] = in ? (i < lane ? i + 1 : (i == lane ? 0 : i)) : (i == 9 ? 0 : none);
      t.ctrl[2][lane][i] = in ? (i == 0 ? lane : (i <= lane ? i - 1 : i)) : (i == 9 ? lane : none);
      t.ctrl[3][lane][i] = i == 9 ? lane : none;
    }
  }
  return t;
}
inline constexpr PermShuffles kPermShuffles = make_perm_shuffles();
}  // namespace detail

// Inline so that feed parsers in other translation units (and the benchmark)
// pay no call for a change inside the top window.
inline ApplyResult L2Book::set_level(Side side, std::int64_t px, std::int64_t qty) noexcept {
#if defined(__AVX2__)
  SideStore& s = sides_[idx(side)];
  // Locals: the int64 stores below could otherwise alias the side's fields.
  std::int64_t* const tk = s.top_key;
  std::int64_t* const pool = s.pool;
  std::int64_t* const deep_key = s.deep_key;
  std::int64_t* const deep_qty = s.deep_qty;
  const std::size_t count = s.count;
  const std::int64_t key = px ^ key_mask(side);
  const std::int64_t worst_key = tk[0];
  const __m256i k0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(tk));
  const __m256i k1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(tk + 4));
  const __m256i kv = _mm256_set1_epi64x(key);
  const __m256i g0 = _mm256_cmpgt_epi64(k0, kv);  // lanes holding a better level
  const __m256i g1 = _mm256_cmpgt_epi64(k1, kv);
  const auto mask = [](__m256i v) {
    return static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(v)));
  };
  const bool exists =
      mask(_mm256_or_si256(_mm256_cmpeq_epi64(k0, kv), _mm256_cmpeq_epi64(k1, kv))) != 0;
  const bool set = qty != 0;
  // General path: at or below lane 0 (this also catches the key INT64_MIN,
  // which the unused lanes hold), a negative quantity, or an insert on a full
  // side.
  if (__builtin_expect(static_cast<int>((worst_key >= key) | (qty < 0) |
                                        ((set & !exists) & (count >= max_levels_))),
                       0)) {
    return set_level_general(side, px, qty);
  }
  // The lane holding the price, or (absent) the lane an insert takes.
  const auto lane =
      kTop - 1 - static_cast<std::size_t>(__builtin_popcount(mask(g0) | (mask(g1) << 4U)));
  // Selections below are masks or table lookups, not branches: the operation
  // kind is a coin flip for the predictor.
  const unsigned op = (static_cast<unsigned>(exists) << 1U) | static_cast<unsigned>(set);
  const __m128i perm_out = _mm_shuffle_epi8(
      _mm_load_si128(reinterpret_cast<const __m128i*>(&s.perm)),
      _mm_load_si128(reinterpret_cast<const __m128i*>(detail::kPermShuffles.ctrl[op][lane])));
  _mm_store_si128(reinterpret_cast<__m128i*>(&s.perm), perm_out);
  const auto aux = static_cast<std::uint64_t>(_mm_extract_epi64(perm_out, 1));
  const std::size_t target = (aux >> 8U) & 0xFFU;
  const std::size_t slot0 = (aux >> 16U) & 0xFFU;
  const std::uint64_t m_set = 0 - static_cast<std::uint64_t>(set);
  // The spill slot lies beyond the stored deep levels: written whatever the
  // operation; it becomes a level only by an insert into a full window.
  const std::size_t deep = count > kTop ? count - kTop : 0;
  const auto last = static_cast<std::ptrdiff_t>(deep) - 1;
  const std::int64_t fill_key = deep_key[last];
  const std::int64_t fill_qty = deep_qty[last];
  deep_key[deep] = worst_key;
  deep_qty[deep] = pool[slot0];
  pool[target] = static_cast<std::int64_t>((static_cast<std::uint64_t>(qty) & m_set) |
                                           (static_cast<std::uint64_t>(fill_qty) & ~m_set));
  // Keys. Lanes holding a better level never change. Insert: lanes up to the
  // new lane take min(next lane up, key). Delete: lanes up to the price's take
  // the next lane down (lane 0: the deep array's best, or its sentinel).
  const __m256i up0 = _mm256_blend_epi32(_mm256_permute4x64_epi64(k0, 0x90),
                                         _mm256_set1_epi64x(fill_key), 0x03);  // fill, k0..k2
  const __m256i up1 = _mm256_blend_epi32(_mm256_permute4x64_epi64(k1, 0x90),
                                         _mm256_permute4x64_epi64(k0, 0xFF), 0x03);  // k3..k6
  const __m256i dn0 = _mm256_blend_epi32(_mm256_permute4x64_epi64(k0, 0x39),
                                         _mm256_permute4x64_epi64(k1, 0x00), 0xC0);  // k1..k4
  const __m256i dn1 = _mm256_blend_epi32(_mm256_permute4x64_epi64(k1, 0xF9),
                                         _mm256_set1_epi64x(INT64_MAX), 0xC0);  // k5..k7, max
  const std::int64_t* const op_lanes = detail::kOpLanes[op];
  const __m256i ins_v = _mm256_load_si256(reinterpret_cast<const __m256i*>(op_lanes));
  const __m256i del_v = _mm256_load_si256(reinterpret_cast<const __m256i*>(op_lanes + 4));
  const auto lanes = [&](__m256i cur, __m256i g, __m256i up, __m256i dn) {
    const __m256i ins_key = _mm256_xor_si256(
        dn, _mm256_and_si256(_mm256_xor_si256(dn, kv), _mm256_cmpgt_epi64(dn, kv)));
    const __m256i delta = _mm256_or_si256(_mm256_and_si256(_mm256_xor_si256(cur, ins_key), ins_v),
                                          _mm256_and_si256(_mm256_xor_si256(cur, up), del_v));
    return _mm256_xor_si256(cur, _mm256_andnot_si256(g, delta));
  };
  _mm256_store_si256(reinterpret_cast<__m256i*>(tk), lanes(k0, g0, up0, dn0));
  _mm256_store_si256(reinterpret_cast<__m256i*>(tk + 4), lanes(k1, g1, up1, dn1));
  s.count = count + static_cast<std::size_t>(set) - static_cast<std::size_t>(exists);
  version_ += static_cast<std::uint64_t>(exists | set);
  return detail::kWindowResult[op];
#else
  return set_level_general(side, px, qty);
#endif
}

}  // namespace wirebook::book
