// Property test: the L2 book against a naive std::map reference with the same
// capacity policy, over >= 10^6 seeded operations per run.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "book/l2_book.hpp"

using wirebook::book::ApplyResult;
using wirebook::book::L2Book;
using wirebook::book::Level;
using wirebook::book::Side;

namespace {

// The reference: one ordered map per side; keeps the best `cap` levels.
class RefBook {
 public:
  explicit RefBook(std::size_t cap) : cap_(cap) {}

  void set(Side s, std::int64_t px, std::int64_t qty) {
    if (s == Side::bid) {
      set_side(bids_, px, qty);
    } else {
      set_side(asks_, px, qty);
    }
  }

  std::vector<Level> top(Side s) const {
    std::vector<Level> out;
    if (s == Side::bid) {
      for (const auto& [p, q] : bids_) out.push_back({p, q});
    } else {
      for (const auto& [p, q] : asks_) out.push_back({p, q});
    }
    return out;
  }

 private:
  // Map ordered best first: begin() is best, prev(end()) is worst.
  template <class Map>
  void set_side(Map& m, std::int64_t px, std::int64_t qty) {
    if (qty == 0) {
      m.erase(px);
      return;
    }
    auto it = m.find(px);
    if (it != m.end()) {
      it->second = qty;
      return;
    }
    if (m.size() < cap_) {
      m.emplace(px, qty);
      return;
    }
    auto worst = std::prev(m.end());
    if (m.key_comp()(px, worst->first)) {  // px better than the worst
      m.erase(worst);
      m.emplace(px, qty);
    }
  }

  std::size_t cap_;
  std::map<std::int64_t, std::int64_t, std::greater<>> bids_;
  std::map<std::int64_t, std::int64_t, std::less<>> asks_;
};

std::uint64_t run_seed() {
  if (const char* s = std::getenv("WIREBOOK_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

enum class Mix { near_touch, uniform };

}  // namespace

TEST_CASE("the book equals a std::map reference after every batch of random operations",
          "[book][property]") {
  const std::uint64_t seed = run_seed();
  INFO("seed " << seed << " (rerun with WIREBOOK_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);
  const std::size_t depths[] = {1, 2, 7, 50, 400, 1000, 5000};
  constexpr std::size_t kOpsPerCase = 80'000;
  constexpr std::size_t kBatch = 500;
  std::size_t total_ops = 0;
  std::vector<Level> got(5000);

  for (const std::size_t depth : depths) {
    for (const Mix mix : {Mix::near_touch, Mix::uniform}) {
      INFO("depth " << depth << (mix == Mix::near_touch ? " near-touch" : " uniform"));
      L2Book book(depth);
      RefBook ref(depth);
      std::int64_t mid = 1'000'000;
      // Spread wide enough that deep books fill: 4x depth ticks each side.
      const auto spread = static_cast<std::int64_t>(depth * 4 + 16);
      std::geometric_distribution<std::int64_t> near(0.15);
      std::uniform_int_distribution<std::int64_t> far(0, spread);
      std::uniform_int_distribution<std::int64_t> qty_dist(1, 1000);
      for (std::size_t op = 0; op < kOpsPerCase; ++op) {
        const Side side = (rng() & 1U) != 0 ? Side::bid : Side::ask;
        if (rng() % 50 == 0) mid += static_cast<std::int64_t>(rng() % 5) - 2;
        const std::int64_t dist = mix == Mix::near_touch ? near(rng) : far(rng);
        // Bids sit at or below mid, asks above; a small share crosses.
        std::int64_t px = side == Side::bid ? mid - dist : mid + 1 + dist;
        if (rng() % 100 == 0) px += side == Side::bid ? 3 : -3;
        const std::int64_t qty = (rng() % 3 == 0) ? 0 : qty_dist(rng);
        const ApplyResult r = book.set_level(side, px, qty);
        REQUIRE(r != ApplyResult::negative_qty);
        ref.set(side, px, qty);
        ++total_ops;
        if ((op + 1) % kBatch == 0 || op + 1 == kOpsPerCase) {
          for (const Side s : {Side::bid, Side::ask}) {
            const auto want = ref.top(s);
            got.resize(depth);
            got.resize(book.copy_top(s, got.data(), depth));
            if (got != want) {
              INFO("mismatch after op " << op << " side " << static_cast<int>(s) << ": got "
                                        << got.size() << " levels, want " << want.size());
              REQUIRE(got == want);
            }
            REQUIRE(book.level_count(s) == want.size());
          }
        }
      }
    }
  }
  REQUIRE(total_ops >= 1'000'000);
}

TEST_CASE("snapshots of random books equal the reference built level by level",
          "[book][property]") {
  const std::uint64_t seed = run_seed();
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 200; ++round) {
    const std::size_t cap = 1 + rng() % 300;
    const std::size_t n = rng() % 400;
    std::vector<Level> bids;
    std::vector<Level> asks;
    RefBook ref(cap);
    for (std::size_t k = 0; k < n; ++k) {
      // Strictly decreasing bids (best first) and increasing asks.
      const std::int64_t qb = (rng() % 10 == 0) ? 0 : 1 + static_cast<std::int64_t>(rng() % 50);
      const std::int64_t qa = (rng() % 10 == 0) ? 0 : 1 + static_cast<std::int64_t>(rng() % 50);
      bids.push_back({10'000 - static_cast<std::int64_t>(k) * 2, qb});
      asks.push_back({10'001 + static_cast<std::int64_t>(k) * 3, qa});
      ref.set(Side::bid, bids.back().px, qb);
      ref.set(Side::ask, asks.back().px, qa);
    }
    L2Book book(cap);
    REQUIRE(book.set_level(Side::bid, 1, 1) == ApplyResult::inserted);  // replaced below
    REQUIRE(book.apply_snapshot(bids, asks));
    for (const Side s : {Side::bid, Side::ask}) {
      std::vector<Level> got(cap);
      got.resize(book.copy_top(s, got.data(), cap));
      REQUIRE(got == ref.top(s));
    }
  }
}
