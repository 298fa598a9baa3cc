// Book benchmark: nanoseconds per level change at depths 50, 400 and 5000,
// with updates concentrated near the touch and spread uniformly over the book.
//
// Method: operations are pre-generated (the RNG is not timed), then applied in
// batches of kBatch; each batch is timed with CLOCK_MONOTONIC and its per-op
// average is one sample, so clock overhead (~20 ns per read) is amortised to
// well under 1 ns per op. p50/p99/p99.9 are over those samples. The final book
// is checked against a std::map reference replay so a fast wrong answer fails.
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.hpp"
#include "book/l2_book.hpp"

using wirebook::book::L2Book;
using wirebook::book::Level;
using wirebook::book::Side;

namespace {

constexpr std::size_t kBatch = 64;
constexpr std::size_t kOps = 4'000'000;

struct Op {
  Side side;
  std::int64_t px;
  std::int64_t qty;
};

std::vector<Op> make_ops(std::size_t depth, bool near_touch, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::geometric_distribution<std::int64_t> near(0.25);
  std::uniform_int_distribution<std::int64_t> far(0, static_cast<std::int64_t>(depth) - 1);
  std::vector<Op> ops;
  ops.reserve(kOps);
  constexpr std::int64_t kMid = 10'000'000;
  for (std::size_t i = 0; i < kOps; ++i) {
    const Side s = (rng() & 1U) != 0 ? Side::bid : Side::ask;
    std::int64_t d = near_touch ? near(rng) : far(rng);
    if (d >= static_cast<std::int64_t>(depth)) d = static_cast<std::int64_t>(depth) - 1;
    const std::int64_t px = s == Side::bid ? kMid - d : kMid + 1 + d;
    // A third of changes delete, the rest set a new size.
    const std::int64_t qty = (rng() % 3 == 0) ? 0 : 1 + static_cast<std::int64_t>(rng() % 100000);
    ops.push_back({s, px, qty});
  }
  return ops;
}

bool check_against_reference(const L2Book& book, const std::vector<Level>& bids0,
                             const std::vector<Level>& asks0, const std::vector<Op>& ops) {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  for (const auto& l : bids0) bids[l.px] = l.qty;
  for (const auto& l : asks0) asks[l.px] = l.qty;
  for (const Op& op : ops) {
    if (op.side == Side::bid) {
      if (op.qty == 0)
        bids.erase(op.px);
      else
        bids[op.px] = op.qty;
    } else {
      if (op.qty == 0)
        asks.erase(op.px);
      else
        asks[op.px] = op.qty;
    }
  }
  std::vector<Level> got(book.max_levels());
  got.resize(book.copy_top(Side::bid, got.data(), got.size()));
  std::vector<Level> want;
  for (const auto& [p, q] : bids) want.push_back({p, q});
  if (got != want) return false;
  got.resize(book.max_levels());
  got.resize(book.copy_top(Side::ask, got.data(), got.size()));
  want.clear();
  for (const auto& [p, q] : asks) want.push_back({p, q});
  return got == want;
}

}  // namespace

int main() {
  std::printf("wirebook book_bench  cpu: %s\n", wirebook::bench::cpu_name().c_str());
  std::printf("per level change, averaged over %zu-op batches, %zu ops per case\n", kBatch, kOps);
  const bool pinned =
      wirebook::bench::pin_to_cpu(wirebook::bench::bench_cpu(1)) || wirebook::bench::pin_to_cpu(0);
  std::printf("pinned: %s\n", pinned ? "yes" : "no");
  int failures = 0;
  for (const std::size_t depth : {50UL, 400UL, 5000UL}) {
    for (const bool near_touch : {true, false}) {
      // Capacity above the price range touched, so no eviction interferes
      // with the reference comparison.
      L2Book book(depth + 8);
      std::vector<Level> bids0;
      std::vector<Level> asks0;
      for (std::size_t k = 0; k < depth; ++k) {
        bids0.push_back({10'000'000 - static_cast<std::int64_t>(k), 10});
        asks0.push_back({10'000'001 + static_cast<std::int64_t>(k), 10});
      }
      if (!book.apply_snapshot(bids0, asks0)) return 2;
      const auto ops = make_ops(depth, near_touch, 1234 + depth);
      std::vector<double> samples;
      samples.reserve(ops.size() / kBatch);
      std::int64_t sink = 0;
      const std::int64_t t_all0 = wirebook::bench::now_ns();
      for (std::size_t i = 0; i + kBatch <= ops.size(); i += kBatch) {
        const std::int64_t t0 = wirebook::bench::now_ns();
        for (std::size_t k = i; k < i + kBatch; ++k) {
          sink += static_cast<std::int64_t>(book.set_level(ops[k].side, ops[k].px, ops[k].qty));
        }
        const std::int64_t t1 = wirebook::bench::now_ns();
        samples.push_back(static_cast<double>(t1 - t0) / kBatch);
      }
      const std::int64_t t_all1 = wirebook::bench::now_ns();
      const auto p = wirebook::bench::percentiles(samples);
      const std::string name =
          "set_level depth " + std::to_string(depth) + (near_touch ? " near-touch" : " uniform");
      wirebook::bench::print_line(name, p);
      std::printf("    throughput %.1f M changes/s (checksum %lld)\n",
                  static_cast<double>(ops.size()) * 1e3 / static_cast<double>(t_all1 - t_all0),
                  static_cast<long long>(sink));
      if (!check_against_reference(book, bids0, asks0, ops)) {
        std::printf("    FAILED: final book differs from the std::map reference\n");
        ++failures;
      }
    }
  }
  return failures == 0 ? 0 : 1;
}
