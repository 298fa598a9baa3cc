#include "tools/sim/generator.hpp"

#include <algorithm>

namespace wirebook::sim {

using book::Level;
using book::Side;

namespace {

// Price step that moves away from the touch on `side` (bids go down, asks up).
constexpr std::int64_t deeper(Side side) noexcept {
  return side == Side::bid ? -1 : 1;
}

constexpr std::int64_t pow10i(int n) noexcept {
  std::int64_t v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

}  // namespace

BookGenerator::BookGenerator(const SymbolSpec& spec, const GeneratorParams& params,
                             std::uint64_t seed)
    : spec_(spec),
      params_(params),
      rng_(seed),
      // Headroom above max_levels: an event may insert before keep_depth trims.
      book_(params.max_levels * 2 + 64) {
  if (params_.min_levels < 2) params_.min_levels = 2;
  if (params_.max_levels < params_.min_levels) params_.max_levels = params_.min_levels;
  levels_[0].reserve(book_.max_levels());
  levels_[1].reserve(book_.max_levels());
  touched_.reserve(64);
  seed_book();
}

std::int64_t BookGenerator::random_qty() {
  // Sizes of a few significant digits across several magnitudes, as books show.
  const int max_pow = std::clamp(-spec_.qty_exp - 1, 0, 6);
  const std::int64_t digits = rng_.chance(0.5) ? rng_.range(1, 99) : rng_.range(100, 99'999);
  return spec_.lot * digits * pow10i(static_cast<int>(rng_.range(0, max_pow)));
}

void BookGenerator::seed_book() {
  const std::int64_t t = spec_.tick;
  const std::int64_t base = spec_.start_px - spec_.start_px % t;
  const std::int64_t bb = base - t * rng_.range(0, 1);
  const std::int64_t ba = base + t * rng_.range(1, 2);
  for (Side side : {Side::bid, Side::ask}) {
    const auto n =
        static_cast<std::size_t>(rng_.range(static_cast<std::int64_t>(params_.min_levels),
                                            static_cast<std::int64_t>(params_.max_levels)));
    std::int64_t px = side == Side::bid ? bb : ba;
    for (std::size_t i = 0; i < n && px > 0; ++i) {
      (void)book_.set_level(side, px, random_qty());
      const std::int64_t gap = i < 20 ? (rng_.chance(0.8) ? 1 : 2) : rng_.range(1, 4);
      px += deeper(side) * t * gap;
    }
  }
  stale_[0] = stale_[1] = true;
}

void BookGenerator::refresh(Side side) {
  auto& v = levels_[static_cast<int>(side)];
  v.resize(book_.level_count(side));
  v.resize(book_.copy_top(side, v.data(), v.size()));
  stale_[static_cast<int>(side)] = false;
}

const std::vector<Level>& BookGenerator::side_levels(Side side) {
  if (stale_[static_cast<int>(side)]) refresh(side);
  return levels_[static_cast<int>(side)];
}

std::int64_t BookGenerator::best_px(Side side) {
  const auto& v = side_levels(side);
  return v.empty() ? 0 : v.front().px;
}

std::int64_t BookGenerator::worst_px(Side side) {
  const auto& v = side_levels(side);
  return v.empty() ? 0 : v.back().px;
}

void BookGenerator::set(Side side, std::int64_t px, std::int64_t qty) {
  if (px <= 0) return;
  const auto it = std::find_if(touched_.begin(), touched_.end(),
                               [&](const LevelChange& c) { return c.side == side && c.px == px; });
  if (it == touched_.end()) touched_.push_back({side, px, 0, book_.qty_at(side, px)});
  (void)book_.set_level(side, px, qty);
  stale_[static_cast<int>(side)] = true;
}

void BookGenerator::modify_near_touch(Side side) {
  const auto& v = side_levels(side);
  if (v.empty()) return;
  const Level lv = v[rng_.near_zero(v.size(), 0.3)];
  std::int64_t q = random_qty();
  if (q == lv.qty) q += spec_.lot;
  set(side, lv.px, q);
}

void BookGenerator::insert_near_touch(Side side) {
  const std::int64_t t = spec_.tick;
  const std::int64_t best = best_px(side);
  const std::int64_t opp = best_px(book::opposite(side));
  if (best == 0) {
    set(side, opp == 0 ? spec_.start_px : opp + deeper(side) * t, random_qty());
    return;
  }
  // Improve the touch when the spread has room, as makers step in.
  const std::int64_t spread_ticks =
      opp == 0 ? 0 : (side == Side::bid ? opp - best : best - opp) / t;
  if (spread_ticks > 1 && rng_.chance(0.4)) {
    set(side, best - deeper(side) * t, random_qty());
    return;
  }
  // Fill an empty tick a little behind the touch.
  const auto start = static_cast<std::int64_t>(rng_.near_zero(40, 0.15)) + 1;
  for (std::int64_t k = start; k < start + 40; ++k) {
    const std::int64_t px = best + deeper(side) * t * k;
    if (px <= 0) break;
    if (book_.qty_at(side, px) == 0) {
      set(side, px, random_qty());
      return;
    }
  }
  set(side, worst_px(side) + deeper(side) * t, random_qty());
}

void BookGenerator::delete_level(Side side, bool deep) {
  const auto& v = side_levels(side);
  if (v.size() <= 1) return;
  const std::size_t i =
      deep ? static_cast<std::size_t>(rng_.range(static_cast<std::int64_t>(v.size() / 2),
                                                 static_cast<std::int64_t>(v.size() - 1)))
           : rng_.near_zero(v.size(), 0.35);
  set(side, v[i].px, 0);
}

void BookGenerator::walk(Side toward) {
  // Aggressors take liquidity at the touch of `toward`; the other side follows.
  const auto& v = side_levels(toward);
  if (v.size() <= 1) return;
  const Level top = v.front();
  const bool partial = top.qty > spec_.lot && rng_.chance(0.5);
  const std::int64_t taken =
      partial ? spec_.lot * rng_.range(1, top.qty / spec_.lot - 1 > 0 ? top.qty / spec_.lot - 1 : 1)
              : top.qty;
  set(toward, top.px, partial ? top.qty - taken : 0);
  trade_ = {top.px, taken, toward == Side::ask};
  has_trade_ = true;
  if (partial || !rng_.chance(0.7)) return;
  const Side follower = book::opposite(toward);
  const std::int64_t new_px = best_px(follower) - deeper(follower) * spec_.tick;
  const std::int64_t limit = best_px(toward);
  const bool ok = follower == Side::bid ? new_px < limit : new_px > limit;
  if (best_px(follower) != 0 && ok) set(follower, new_px, random_qty());
}

void BookGenerator::sweep(Side side) {
  const auto& v = side_levels(side);
  if (v.size() <= 4) return;
  const auto k = static_cast<std::size_t>(
      rng_.range(3, std::min<std::int64_t>(15, static_cast<std::int64_t>(v.size()) - 2)));
  const std::vector<Level> swept(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k));
  std::int64_t total = 0;
  for (const Level& lv : swept) {
    total += lv.qty;
    set(side, lv.px, 0);
  }
  trade_ = {swept.back().px, total, side == Side::ask};
  has_trade_ = true;
  // The other side moves into the gap the sweep left.
  const Side other = book::opposite(side);
  if (rng_.chance(0.8)) set(other, swept.front().px, random_qty());
}

void BookGenerator::keep_depth(Side side) {
  while (book_.level_count(side) > params_.max_levels) set(side, worst_px(side), 0);
  while (book_.level_count(side) < params_.min_levels) {
    const std::int64_t worst = worst_px(side);
    const std::int64_t px = worst == 0 ? best_px(book::opposite(side)) + deeper(side) * spec_.tick
                                       : worst + deeper(side) * spec_.tick * rng_.range(1, 3);
    if (px <= 0) break;
    set(side, px, random_qty());
  }
}

void BookGenerator::step(BookEvent& out) {
  Level bb0{}, ba0{};
  const bool hb0 = book_.best(Side::bid, bb0);
  const bool ha0 = book_.best(Side::ask, ba0);
  touched_.clear();
  has_trade_ = false;
  out.changes.clear();
  while (out.changes.empty()) {
    const Side side = rng_.chance(0.5) ? Side::bid : Side::ask;
    const double r = rng_.unit();
    if (r < 0.50) {
      const std::uint64_t n = 1 + rng_.near_zero(4, 0.6);
      for (std::uint64_t i = 0; i < n; ++i)
        modify_near_touch(rng_.chance(0.5) ? Side::bid : Side::ask);
    } else if (r < 0.64) {
      insert_near_touch(side);
    } else if (r < 0.78) {
      delete_level(side, false);
    } else if (r < 0.82) {
      delete_level(side, true);
    } else if (r < 0.985) {
      walk(side);
    } else {
      sweep(side);
    }
    if (rng_.chance(0.15)) {  // deltas cover the whole book, not a window (PROTOCOLS §1.5.2)
      const auto& v = side_levels(side);
      if (!v.empty()) set(side, v[static_cast<std::size_t>(rng_.below(v.size()))].px, random_qty());
    }
    keep_depth(Side::bid);
    keep_depth(Side::ask);
    for (const LevelChange& c : touched_) {
      const std::int64_t now = book_.qty_at(c.side, c.px);
      if (now != c.old_qty) out.changes.push_back({c.side, c.px, now, c.old_qty});
    }
    touched_.clear();
  }
  std::sort(out.changes.begin(), out.changes.end(), [](const LevelChange& a, const LevelChange& b) {
    if (a.side != b.side) return a.side == Side::bid;
    return a.side == Side::bid ? a.px > b.px : a.px < b.px;
  });
  out.has_trade = has_trade_;
  out.trade = trade_;
  Level bb1{}, ba1{};
  const bool hb1 = book_.best(Side::bid, bb1);
  const bool ha1 = book_.best(Side::ask, ba1);
  out.top_changed = hb0 != hb1 || ha0 != ha1 || !(bb0 == bb1) || !(ba0 == ba1);
  ++events_;
}

}  // namespace wirebook::sim
