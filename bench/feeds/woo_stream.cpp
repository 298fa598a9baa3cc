#include "bench/feeds/woo_stream.hpp"

#include <cstdio>
#include <random>

namespace wirebook::bench {
namespace {
using book::Level;
using book::Side;
}  // namespace

std::vector<feeds::InstrumentSpec> WooStream::specs() const {
  std::vector<feeds::InstrumentSpec> out;
  for (const auto& s : symbols) out.push_back({s, kPxExp, kQtyExp});
  return out;
}

WooStream make_woo_stream(std::size_t count) {
  WooStream out;
  out.symbols = {"SPOT_BTC_USDT", "PERP_BTC_USDT", "SPOT_ETH_USDT", "PERP_ETH_USDT"};
  const std::vector<std::string>& syms = out.symbols;
  std::vector<book::L2Book>& truth = out.truth;
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
  std::vector<Frame>& frames = out.frames;
  frames.reserve(count + syms.size());
  auto levels_json = [](const book::L2Book& b, Side side) {
    std::vector<Level> lv(b.level_count(side));
    lv.resize(b.copy_top(side, lv.data(), lv.size()));
    std::string out = "[";
    for (std::size_t k = 0; k < lv.size(); ++k) {
      if (k) out += ',';
      out +=
          '[' + dec(lv[k].px, WooStream::kPxExp) + ',' + dec(lv[k].qty, WooStream::kQtyExp) + ']';
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
  for (std::size_t f = 0; f < count; ++f) {
    const std::size_t s = rng() % syms.size();
    std::string bids = "[";
    std::string asks = "[";
    std::string bids3 = "[";
    std::string asks3 = "[";
    const int n = 3 + static_cast<int>(rng() % 5);  // 3..7, mean 5
    for (int k = 0; k < n; ++k) {
      const bool bid = (k % 2) == 0;
      const std::int64_t px = bid ? mid[s] - 1 - near(rng) : mid[s] + 1 + near(rng);
      const std::int64_t qty = rng() % 4 == 0 ? 0 : 1 + static_cast<std::int64_t>(rng() % 900000);
      if (truth[s].qty_at(bid ? Side::bid : Side::ask, px) == qty) continue;
      (void)truth[s].set_level(bid ? Side::bid : Side::ask, px, qty);
      std::string& side = bid ? bids : asks;
      std::string& side3 = bid ? bids3 : asks3;
      if (side.size() > 1) side += ',';
      if (side3.size() > 1) side3 += ',';
      side += '[' + dec(px, WooStream::kPxExp) + ',' + dec(qty, WooStream::kQtyExp) + ']';
      side3 += "[\"" + dec(px, WooStream::kPxExp) + "\",\"" + dec(qty, WooStream::kQtyExp) + "\"]";
      ++level_changes;
    }
    const std::int64_t prev = ts[s];
    ts[s] += 1 + static_cast<std::int64_t>(rng() % 50);
    frames.push_back(make_frame(R"({"topic":")" + syms[s] + R"(@orderbookupdate","ts":)" +
                                std::to_string(ts[s]) + R"(,"data":{"symbol":")" + syms[s] +
                                R"(","prevTs":)" + std::to_string(prev) + R"(,"asks":)" + asks +
                                R"(],"bids":)" + bids + "]}}"));
    const std::string t = std::to_string(ts[s]);
    out.v3_deltas.push_back(make_frame(R"({"topic":"orderbookupdate@)" + syms[s] + R"(@50","ts":)" +
                                       t + R"(,"data":{"ts":)" + t + R"(,"bids":)" + bids3 +
                                       R"(],"asks":)" + asks3 + R"(],"prevTs":)" +
                                       std::to_string(prev) + R"(,"s":")" + syms[s] + R"("}})"));
  }
  std::printf("%zu delta frames, %.2f level changes per frame\n", count,
              static_cast<double>(level_changes) / count);

  return out;
}

}  // namespace wirebook::bench
