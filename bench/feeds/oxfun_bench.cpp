// OX.FUN pipeline benchmark: parse + seqNum chain check + book apply + shm
// publish per depthUpdate-diff, against a parse-only baseline (the same
// simdjson On-Demand parser) in the same run.
//
// A greeting and one partial per market, then 200,000 generated diffs over 4
// markets, ~5 level changes per frame, prices and sizes as JSON floats
// ("19024.0", PROTOCOLS.md §4.3), seqNum +1 per market. Each frame goes
// through the parse-only baseline and the full pipeline back to back, each
// timed with CLOCK_MONOTONIC; final books checked against the truth.
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/feeds/pipeline.hpp"
#include "book/l2_book.hpp"
#include "feeds/oxfun/oxfun_feed.hpp"
#include "feeds/oxfun/parser.hpp"

using namespace wirebook;
using book::Side;

namespace {

using bench::dec;
using bench::Frame;
using bench::make_frame;

constexpr std::size_t kFrames = 200'000;
constexpr int kPxExp = -1;
constexpr int kQtyExp = -3;

// A JSON float as OX.FUN prints it: "19024.0", "1.25".
std::string num(std::int64_t v, int exp) {
  std::string s = dec(v, exp);
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

std::string book_frame(const char* table, const char* action, const std::string& market,
                       std::int64_t seq, const std::string& bids, const std::string& asks) {
  return std::string(R"({"table":")") + table + R"(","data":{"seqNum":)" + std::to_string(seq) +
         R"(,"asks":[)" + asks + R"(],"bids":[)" + bids +
         R"(],"checksum":364462986,"marketCode":")" + market +
         R"(","timestamp":"1665456142843"},"action":")" + action + R"("})";
}

}  // namespace

int main() {
  std::printf("wirebook oxfun_bench  cpu: %s\n", bench::cpu_name().c_str());
  if (!bench::pin_to_cpu(bench::bench_cpu(1))) (void)bench::pin_to_cpu(0);
  const std::vector<std::string> syms = {"BTC-USD-SWAP-LIN", "ETH-USD-SWAP-LIN", "SOL-USD-SWAP-LIN",
                                         "OX-USD-SWAP-LIN"};
  std::mt19937_64 rng(7);
  std::vector<book::L2Book> truth;
  std::vector<std::int64_t> seq(syms.size(), 0);
  std::vector<std::int64_t> mid(syms.size(), 190'240);
  std::vector<Frame> frames;
  frames.reserve(kFrames + syms.size() + 1);
  frames.push_back(make_frame(R"({"event":"connected","nonce":"1"})"));
  for (std::size_t s = 0; s < syms.size(); ++s) {
    truth.emplace_back(4000);
    std::string bids;
    std::string asks;
    for (std::int64_t k = 0; k < 200; ++k) {
      (void)truth[s].set_level(Side::bid, mid[s] - 1 - k, 1000 + k * 100);
      (void)truth[s].set_level(Side::ask, mid[s] + 1 + k, 1000 + k * 100);
      const std::string sep = k ? "," : "";
      bids += sep + "[" + num(mid[s] - 1 - k, kPxExp) + "," + num(1000 + k * 100, kQtyExp) + "]";
      asks += sep + "[" + num(mid[s] + 1 + k, kPxExp) + "," + num(1000 + k * 100, kQtyExp) + "]";
    }
    seq[s] = 2'166'539'633'794'591LL + static_cast<std::int64_t>(s) * 1'000'000;
    // The partial carries the seqNum of the first diff to apply (§4.3).
    frames.push_back(make_frame(book_frame("depthUpdate", "partial", syms[s], seq[s], bids, asks)));
  }
  std::geometric_distribution<std::int64_t> near(0.3);
  std::size_t changes = 0;
  for (std::size_t f = 0; f < kFrames; ++f) {
    const std::size_t s = rng() % syms.size();
    std::string bids;
    std::string asks;
    const int n = 3 + static_cast<int>(rng() % 5);
    for (int k = 0; k < n; ++k) {
      const bool bid = (k % 2) == 0;
      const Side side = bid ? Side::bid : Side::ask;
      const std::int64_t px = bid ? mid[s] - 1 - near(rng) : mid[s] + 1 + near(rng);
      const std::int64_t qty = rng() % 4 == 0 ? 0 : 1 + static_cast<std::int64_t>(rng() % 90000);
      if (truth[s].qty_at(side, px) == qty) continue;
      (void)truth[s].set_level(side, px, qty);
      std::string& out = bid ? bids : asks;
      if (!out.empty()) out += ',';
      out += "[" + num(px, kPxExp) + "," + num(qty, kQtyExp) + "]";
      ++changes;
    }
    frames.push_back(
        make_frame(book_frame("depthUpdate-diff", "increment", syms[s], seq[s]++, bids, asks)));
  }
  std::printf("%zu diff frames, %.2f level changes per frame\n", kFrames,
              static_cast<double>(changes) / kFrames);

  // Parse-only baseline: the same parser walking the same frames.
  feeds::oxfun::Parser parser(4000, 16U << 20U);
  const auto parse_one = [&](const Frame& f, std::size_t& checksum) {
    feeds::oxfun::Message m;
    const bool ok =
        parser.parse(f.buf.data(), f.len, f.buf.size(), m) == feeds::oxfun::ParseStatus::ok;
    checksum += m.bids.size() + m.asks.size();
    return ok;
  };

  const bench::BenchSegment segment("oxfun", syms);
  if (segment.writer() == nullptr) {
    std::printf("cannot create segment: %s\n", segment.error().c_str());
    return 2;
  }
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& s : syms) specs.push_back({s, kPxExp, kQtyExp});
  return bench::compare<feeds::oxfun::OxfunFeed>(frames, specs, 16, segment.writer(), truth,
                                                 feeds::oxfun::OxfunOptions{}, parse_one);
}
