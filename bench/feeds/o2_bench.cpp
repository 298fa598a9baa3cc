// O2 pipeline benchmark: parse + seq chain check + book apply + shm publish
// per order_book delta in the working schema (DESIGN §5), against a
// parse-only baseline (the same venue parser) in the same run; before it, an
// alternating A/B of the book frame's fast path against the general parser.
//
// 200,000 generated delta frames over 4 markets, 3-7 level changes per frame,
// levels mixed as [p, q] numbers, ["p", "q"] strings and {price, size}
// objects. Each frame goes through the parse-only baseline and the full
// pipeline back to back, each timed with CLOCK_MONOTONIC; final books are
// checked against the generator's truth.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/feeds/pipeline.hpp"
#include "book/decimal.hpp"
#include "book/l2_book.hpp"
#include "feeds/o2/o2_feed.hpp"
#include "feeds/o2/parser.hpp"
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

std::string level(std::int64_t px, std::int64_t qty, unsigned style) {
  const std::string p = dec(px, kPxExp);
  const std::string q = dec(qty, kQtyExp);
  switch (style) {
    case 0:
      return "[" + p + "," + q + "]";
    case 1:
      return "[\"" + p + "\",\"" + q + "\"]";
    default:
      return R"({"price":")" + p + R"(","size":")" + q + "\"}";
  }
}

}  // namespace

int main() {
  std::printf("wirebook o2_bench  cpu: %s\n", bench::cpu_name().c_str());
  if (!bench::pin_to_cpu(bench::bench_cpu(1))) (void)bench::pin_to_cpu(0);
  const std::vector<std::string> syms = {"BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD"};
  const std::vector<std::int64_t> ids = {1, 2, 3, 4};
  std::mt19937_64 rng(9);
  std::vector<book::L2Book> truth;
  std::vector<std::int64_t> seq(syms.size(), 5'000'000);
  std::vector<std::int64_t> mid(syms.size(), 5'674'900);
  std::vector<Frame> frames;
  frames.reserve(kFrames + syms.size());
  auto head = [&](std::size_t s) {
    return R"({"channel":"order_book","market_id":)" + std::to_string(ids[s]);
  };
  for (std::size_t s = 0; s < syms.size(); ++s) {
    truth.emplace_back(4000);
    std::string bids = "[";
    std::string asks = "[";
    for (std::int64_t k = 0; k < 200; ++k) {
      (void)truth[s].set_level(Side::bid, mid[s] - 1 - k, 10000 + k * 100);
      (void)truth[s].set_level(Side::ask, mid[s] + 1 + k, 10000 + k * 100);
      bids += std::string(k ? "," : "") + level(mid[s] - 1 - k, 10000 + k * 100, 0);
      asks += std::string(k ? "," : "") + level(mid[s] + 1 + k, 10000 + k * 100, 0);
    }
    frames.push_back(make_frame(head(s) + R"(,"type":"snapshot","seq":)" + std::to_string(seq[s]) +
                                R"(,"ts":1753607648212,"data":{"bids":)" + bids + R"(],"asks":)" +
                                asks + "]}}"));
  }
  std::geometric_distribution<std::int64_t> near(0.3);
  std::size_t entries = 0;
  for (std::size_t f = 0; f < kFrames; ++f) {
    const std::size_t s = rng() % syms.size();
    const auto style = static_cast<unsigned>(rng() % 3);
    std::string bids = "[";
    std::string asks = "[";
    const int n = 3 + static_cast<int>(rng() % 5);
    for (int k = 0; k < n; ++k) {
      const bool bid = (k % 2) == 0;
      const Side side = bid ? Side::bid : Side::ask;
      const std::int64_t px = bid ? mid[s] - 1 - near(rng) : mid[s] + 1 + near(rng);
      const std::int64_t qty =
          rng() % 4 == 0 ? 0 : 100 * (1 + static_cast<std::int64_t>(rng() % 9000));
      if (truth[s].qty_at(side, px) == qty) continue;
      (void)truth[s].set_level(side, px, qty);
      std::string& out = bid ? bids : asks;
      if (out.size() > 1) out += ',';
      out += level(px, qty, style);
      ++entries;
    }
    const std::int64_t prev = seq[s]++;
    frames.push_back(make_frame(head(s) + R"(,"type":"delta","seq":)" + std::to_string(seq[s]) +
                                R"(,"prev_seq":)" + std::to_string(prev) +
                                R"(,"ts":1753607648212,"data":{"bids":)" + bids + R"(],"asks":)" +
                                asks + "]}}"));
  }
  std::printf("%zu delta frames, %.2f level changes per frame\n", kFrames,
              static_cast<double>(entries) / kFrames);

  // The book frame's fast path against the general path (issue 22).
  {
    feeds::o2::Parser fast(4000, 16U << 20U);
    feeds::o2::Parser general(4000, 16U << 20U);
    general.set_fast_path(false);
    if (!bench::parser_ab<feeds::o2::Message>(
            "book", frames, fast, general, [](const feeds::o2::Message& m) {
              return m.bids.size() + m.asks.size() + static_cast<std::size_t>(m.market_id) +
                     static_cast<std::size_t>(m.seq + m.prev_seq) +
                     (m.asks.empty() ? 0 : m.asks[0].qty.size());
            })) {
      return 1;
    }
  }
  // Parse-only baseline: the same parser walking the same frames.
  // WIREBOOK_O2_FAST_PATH=0: the pipeline and its baseline on the general
  // path, for before/after runs of the whole bench.
  const char* fast_env = std::getenv("WIREBOOK_O2_FAST_PATH");
  feeds::o2::O2Options opt;
  opt.market_ids = ids;
  opt.fast_path = fast_env == nullptr || std::string_view(fast_env) != "0";
  std::printf("fast path: %s\n", opt.fast_path ? "on" : "off (WIREBOOK_O2_FAST_PATH=0)");
  feeds::o2::Parser parser(4000, 16U << 20U);
  parser.set_fast_path(opt.fast_path);
  const auto parse_one = [&](const Frame& f, std::size_t& checksum) {
    feeds::o2::Message m;
    const bool ok =
        parser.parse(f.buf.data(), f.len, f.buf.size(), m) == feeds::o2::ParseStatus::ok;
    checksum += m.bids.size() + m.asks.size();
    return ok;
  };

  // Full pipeline into a real segment; fresh books and feed every round,
  // timed frame by frame against the parse-only baseline.
  const bench::BenchSegment segment("o2", syms);
  if (segment.writer() == nullptr) {
    std::printf("cannot create segment: %s\n", segment.error().c_str());
    return 2;
  }
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& s : syms) specs.push_back({s, kPxExp, kQtyExp});
  return bench::compare<feeds::o2::O2Feed>(frames, specs, 16, segment.writer(), truth, opt,
                                           parse_one);
}
