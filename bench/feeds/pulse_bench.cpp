// Pulse pipeline benchmark: parse + change_id chain check + book apply + shm
// publish per book.<instr>.raw change notification, against a parse-only
// baseline (the same venue parser) in the same run; before it, an alternating
// A/B of the book notification's fast path against the general parser.
//
// 200,000 generated change frames over 4 instruments, ~5 entries per frame
// ("new"/"change"/"delete"), 5 % of amounts in exponent form, change_ids
// shared across instruments and jumping. Each frame goes through the
// parse-only baseline and the full pipeline back to back, each timed with
// CLOCK_MONOTONIC; final books checked against the truth.
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
#include "feeds/pulse/parser.hpp"
#include "feeds/pulse/pulse_feed.hpp"
#include "shm/writer.hpp"

using namespace wirebook;
using book::Level;
using book::Side;

namespace {

using bench::dec;
using bench::Frame;
using bench::make_frame;

constexpr std::size_t kFrames = 200'000;
constexpr int kPxExp = -1;
constexpr int kQtyExp = 0;

// Amounts sometimes in exponent form, as Deribit-style venues print them.
std::string amount(std::int64_t q, std::mt19937_64& rng) {
  if (q != 0 && q % 100 == 0 && rng() % 20 == 0) return dec(q / 100, 0) + "e2";
  return dec(q, kQtyExp) + ".0";
}

}  // namespace

int main() {
  std::printf("wirebook pulse_bench  cpu: %s\n", bench::cpu_name().c_str());
  if (!bench::pin_to_cpu(bench::bench_cpu(1))) (void)bench::pin_to_cpu(0);
  const std::vector<std::string> syms = {"BTC-PERPETUAL", "ETH-PERPETUAL", "BTC_USDC-PERPETUAL",
                                         "SOL_USDC-PERPETUAL"};
  std::mt19937_64 rng(7);
  std::vector<book::L2Book> truth;
  std::vector<std::int64_t> last(syms.size(), 0);
  std::vector<std::int64_t> mid(syms.size(), 600'000);
  std::int64_t change_id = 78'311'875'036;
  std::vector<Frame> frames;
  frames.reserve(kFrames + syms.size());
  auto head = [](const std::string& sym) {
    return R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.)" + sym +
           R"(.raw","data":{)";
  };
  for (std::size_t s = 0; s < syms.size(); ++s) {
    truth.emplace_back(4000);
    std::string bids = "[";
    std::string asks = "[";
    for (std::int64_t k = 0; k < 200; ++k) {
      (void)truth[s].set_level(Side::bid, mid[s] - 1 - k, 1000 + k * 100);
      (void)truth[s].set_level(Side::ask, mid[s] + 1 + k, 1000 + k * 100);
      bids += std::string(k ? "," : "") + R"(["new",)" + dec(mid[s] - 1 - k, kPxExp) + "," +
              amount(1000 + k * 100, rng) + "]";
      asks += std::string(k ? "," : "") + R"(["new",)" + dec(mid[s] + 1 + k, kPxExp) + "," +
              amount(1000 + k * 100, rng) + "]";
    }
    change_id += 1 + static_cast<std::int64_t>(rng() % 40);
    last[s] = change_id;
    frames.push_back(
        make_frame(head(syms[s]) + R"("timestamp":1753607648212,"type":"snapshot","change_id":)" +
                   std::to_string(change_id) + R"(,"instrument_name":")" + syms[s] +
                   R"(","bids":)" + bids + R"(],"asks":)" + asks + R"(],"prev_change_id":0}}})"));
  }
  std::geometric_distribution<std::int64_t> near(0.3);
  std::size_t entries = 0;
  for (std::size_t f = 0; f < kFrames; ++f) {
    const std::size_t s = rng() % syms.size();
    std::string bids = "[";
    std::string asks = "[";
    const int n = 3 + static_cast<int>(rng() % 5);
    for (int k = 0; k < n; ++k) {
      const bool bid = (k % 2) == 0;
      const Side side = bid ? Side::bid : Side::ask;
      const std::int64_t px = bid ? mid[s] - 1 - near(rng) : mid[s] + 1 + near(rng);
      const std::int64_t qty =
          rng() % 4 == 0 ? 0 : 100 * (1 + static_cast<std::int64_t>(rng() % 9000));
      const std::int64_t old = truth[s].qty_at(side, px);
      if (old == qty) continue;
      const char* action = qty == 0 ? "delete" : (old == 0 ? "new" : "change");
      (void)truth[s].set_level(side, px, qty);
      std::string& out = bid ? bids : asks;
      if (out.size() > 1) out += ',';
      out +=
          std::string(R"([")") + action + R"(",)" + dec(px, kPxExp) + "," + amount(qty, rng) + "]";
      ++entries;
    }
    change_id += 1 + static_cast<std::int64_t>(rng() % 40);
    frames.push_back(make_frame(
        head(syms[s]) + R"("timestamp":1753607648212,"type":"change","change_id":)" +
        std::to_string(change_id) + R"(,"instrument_name":")" + syms[s] + R"(","bids":)" + bids +
        R"(],"asks":)" + asks + R"(],"prev_change_id":)" + std::to_string(last[s]) + "}}}"));
    last[s] = change_id;
  }
  std::printf("%zu change frames, %.2f entries per frame\n", kFrames,
              static_cast<double>(entries) / kFrames);

  // The book notification's fast path against the general path (issue 22).
  {
    feeds::pulse::Parser fast(4000, 16U << 20U);
    feeds::pulse::Parser general(4000, 16U << 20U);
    general.set_fast_path(false);
    if (!bench::parser_ab<feeds::pulse::Message>(
            "book", frames, fast, general, [](const feeds::pulse::Message& m) {
              return m.bids.size() + m.asks.size() + m.instrument.size() +
                     static_cast<std::size_t>(m.change_id + m.prev_change_id) +
                     (m.bids.empty() ? 0 : m.bids[0].qty.size());
            })) {
      return 1;
    }
  }
  // Parse-only baseline: the same parser walking the same frames.
  // WIREBOOK_PULSE_FAST_PATH=0: the pipeline and its baseline on the general
  // path, for before/after runs of the whole bench.
  const char* fast_env = std::getenv("WIREBOOK_PULSE_FAST_PATH");
  feeds::pulse::PulseOptions options;
  options.fast_path = fast_env == nullptr || std::string_view(fast_env) != "0";
  std::printf("fast path: %s\n", options.fast_path ? "on" : "off (WIREBOOK_PULSE_FAST_PATH=0)");
  feeds::pulse::Parser parser(4000, 16U << 20U);
  parser.set_fast_path(options.fast_path);
  const auto parse_one = [&](const Frame& f, std::size_t& checksum) {
    feeds::pulse::Message m;
    const bool ok =
        parser.parse(f.buf.data(), f.len, f.buf.size(), m) == feeds::pulse::ParseStatus::ok;
    checksum += m.bids.size() + m.asks.size();
    return ok;
  };

  // Full pipeline into a real segment; fresh books and feed every round,
  // timed frame by frame against the parse-only baseline.
  const bench::BenchSegment segment("pulse", syms);
  if (segment.writer() == nullptr) {
    std::printf("cannot create segment: %s\n", segment.error().c_str());
    return 2;
  }
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& s : syms) specs.push_back({s, kPxExp, kQtyExp});
  return bench::compare<feeds::pulse::PulseFeed>(frames, specs, 16, segment.writer(), truth,
                                                 options, parse_one);
}
