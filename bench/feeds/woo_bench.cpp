// WOO X pipeline benchmark: parse + prevTs chain check + book apply + shm
// publish per @orderbookupdate frame, against a parse-only baseline (the same
// simdjson On-Demand parser walking the same frames) in the same run.
//
// 200,000 generated frames over 4 symbols, ~5 level changes per frame, levels
// concentrated near the touch. Each frame goes through the parse-only baseline
// and the full pipeline back to back, each timed with CLOCK_MONOTONIC (~20 ns
// clock cost included); throughput is 1 / mean per-frame time. The final books
// are checked against the generator's truth.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/feeds/pipeline.hpp"
#include "book/decimal.hpp"
#include "book/l2_book.hpp"
#include "feeds/woo/parser.hpp"
#include "feeds/woo/woo_feed.hpp"
#include "shm/writer.hpp"

using namespace wirebook;
using book::Level;
using book::Side;

namespace {

using bench::dec;
using bench::Frame;
using bench::make_frame;

constexpr std::size_t kFrames = 200'000;
constexpr int kPxExp = -2;
constexpr int kQtyExp = -4;

}  // namespace

int main() {
  std::printf("wirebook woo_bench  cpu: %s\n", bench::cpu_name().c_str());
  if (!bench::pin_to_cpu(bench::bench_cpu(1))) (void)bench::pin_to_cpu(0);
  const std::vector<std::string> syms = {"SPOT_BTC_USDT", "PERP_BTC_USDT", "SPOT_ETH_USDT",
                                         "PERP_ETH_USDT"};
  std::vector<book::L2Book> truth;
  std::vector<std::int64_t> ts(syms.size(), 1'700'000'000'000);
  std::vector<std::int64_t> mid(syms.size(), 5'000'000);
  for (std::size_t s = 0; s < syms.size(); ++s) {
    truth.emplace_back(4000);
    for (std::int64_t k = 0; k < 200; ++k) {
      (void)truth[s].set_level(Side::bid, mid[s] - 1 - k, 10000 + k);
      (void)truth[s].set_level(Side::ask, mid[s] + 1 + k, 10000 + k);
    }
  }
  // Snapshot replies first (one per symbol), then the deltas.
  std::vector<Frame> frames;
  frames.reserve(kFrames + syms.size());
  auto levels_json = [](const book::L2Book& b, Side side) {
    std::vector<Level> lv(b.level_count(side));
    lv.resize(b.copy_top(side, lv.data(), lv.size()));
    std::string out = "[";
    for (std::size_t k = 0; k < lv.size(); ++k) {
      if (k) out += ',';
      out += '[' + dec(lv[k].px, kPxExp) + ',' + dec(lv[k].qty, kQtyExp) + ']';
    }
    return out + ']';
  };
  for (std::size_t s = 0; s < syms.size(); ++s) {
    frames.push_back(make_frame(
        R"({"id":"r0","event":"request","success":true,"ts":1,"data":{"symbol":")" + syms[s] +
        R"(","ts":)" + std::to_string(ts[s]) + R"(,"asks":)" + levels_json(truth[s], Side::ask) +
        R"(,"bids":)" + levels_json(truth[s], Side::bid) + "}}"));
  }
  std::mt19937_64 rng(42);
  std::geometric_distribution<std::int64_t> near(0.3);
  std::size_t level_changes = 0;
  for (std::size_t f = 0; f < kFrames; ++f) {
    const std::size_t s = rng() % syms.size();
    std::string bids = "[";
    std::string asks = "[";
    const int n = 3 + static_cast<int>(rng() % 5);  // 3..7, mean 5
    for (int k = 0; k < n; ++k) {
      const bool bid = (k % 2) == 0;
      const std::int64_t px = bid ? mid[s] - 1 - near(rng) : mid[s] + 1 + near(rng);
      const std::int64_t qty = rng() % 4 == 0 ? 0 : 1 + static_cast<std::int64_t>(rng() % 900000);
      if (truth[s].qty_at(bid ? Side::bid : Side::ask, px) == qty) continue;
      (void)truth[s].set_level(bid ? Side::bid : Side::ask, px, qty);
      std::string& side = bid ? bids : asks;
      if (side.size() > 1) side += ',';
      side += '[' + dec(px, kPxExp) + ',' + dec(qty, kQtyExp) + ']';
      ++level_changes;
    }
    const std::int64_t prev = ts[s];
    ts[s] += 1 + static_cast<std::int64_t>(rng() % 50);
    frames.push_back(make_frame(R"({"topic":")" + syms[s] + R"(@orderbookupdate","ts":)" +
                                std::to_string(ts[s]) + R"(,"data":{"symbol":")" + syms[s] +
                                R"(","prevTs":)" + std::to_string(prev) + R"(,"asks":)" + asks +
                                R"(],"bids":)" + bids + "]}}"));
  }
  std::printf("%zu delta frames, %.2f level changes per frame\n", kFrames,
              static_cast<double>(level_changes) / kFrames);

  // Parse-only baseline: the same parser walking the same frames.
  feeds::woo::Parser parser(4000, 16U << 20U);
  const auto parse_one = [&](const Frame& f, std::size_t& checksum) {
    feeds::woo::Message m;
    const bool ok =
        parser.parse(f.buf.data(), f.len, f.buf.size(), m) == feeds::woo::ParseStatus::ok;
    checksum += m.bids.size() + m.asks.size();
    return ok;
  };

  // Full pipeline into a real segment; fresh books and feed every round,
  // timed frame by frame against the parse-only baseline.
  const bench::BenchSegment segment("woo", syms);
  if (segment.writer() == nullptr) {
    std::printf("cannot create segment: %s\n", segment.error().c_str());
    return 2;
  }
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& s : syms) specs.push_back({s, kPxExp, kQtyExp});
  return bench::compare<feeds::woo::WooFeed>(frames, specs, 1024, segment.writer(), truth,
                                             feeds::woo::WooOptions{}, parse_one);
}
