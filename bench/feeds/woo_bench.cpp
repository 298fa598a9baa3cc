// WOO X pipeline benchmark: parse + prevTs chain check + book apply + shm
// publish per @orderbookupdate frame, against a parse-only baseline (the same
// simdjson On-Demand parser walking the same frames) in the same run.
//
// 200,000 generated frames over 4 symbols, ~5 level changes per frame, levels
// concentrated near the touch. Each frame goes through the parse-only baseline
// and the full pipeline back to back, each timed with CLOCK_MONOTONIC (~20 ns
// clock cost included); throughput is 1 / mean per-frame time. The final books
// are checked against the generator's truth.
#include <cstdio>

#include "bench/bench_util.hpp"
#include "bench/feeds/pipeline.hpp"
#include "bench/feeds/woo_stream.hpp"
#include "feeds/woo/parser.hpp"
#include "feeds/woo/woo_feed.hpp"

using namespace wirebook;
using bench::Frame;

namespace {
constexpr std::size_t kFrames = 200'000;
}  // namespace

int main() {
  std::printf("wirebook woo_bench  cpu: %s\n", bench::cpu_name().c_str());
  if (!bench::pin_to_cpu(bench::bench_cpu(1))) (void)bench::pin_to_cpu(0);
  const bench::WooStream stream = bench::make_woo_stream(kFrames);
  const auto& frames = stream.frames;
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
  const bench::BenchSegment segment("woo", stream.symbols);
  if (segment.writer() == nullptr) {
    std::printf("cannot create segment: %s\n", segment.error().c_str());
    return 2;
  }
  return bench::compare<feeds::woo::WooFeed>(frames, stream.specs(), 1024, segment.writer(),
                                             stream.truth, feeds::woo::WooOptions{}, parse_one);
}
