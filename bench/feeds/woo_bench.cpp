// WOO X pipeline benchmark: parse + prevTs chain check + book apply + shm
// publish per @orderbookupdate frame, against a parse-only baseline (the same
// venue parser walking the same frames) in the same run; before it, an
// alternating A/B of the delta fast path against the general parser, v2 and v3.
//
// 200,000 generated frames over 4 symbols, ~5 level changes per frame, levels
// concentrated near the touch. Each frame goes through the parse-only baseline
// and the full pipeline back to back, each timed with CLOCK_MONOTONIC (~20 ns
// clock cost included); throughput is 1 / mean per-frame time. The final books
// are checked against the generator's truth.
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/feeds/pipeline.hpp"
#include "bench/feeds/woo_stream.hpp"
#include "feeds/woo/parser.hpp"
#include "feeds/woo/woo_feed.hpp"

using namespace wirebook;
using bench::Frame;

namespace {
constexpr std::size_t kFrames = 200'000;

// The fast path against the general path (issue 22), per protocol.
bool woo_parser_ab(const std::vector<Frame>& frames, feeds::woo::Protocol protocol) {
  feeds::woo::Parser fast(4000, 16U << 20U, protocol);
  feeds::woo::Parser general(4000, 16U << 20U, protocol);
  general.set_fast_path(false);
  return bench::parser_ab<feeds::woo::Message>(
      protocol == feeds::woo::Protocol::v2 ? "v2" : "v3", frames, fast, general,
      [](const feeds::woo::Message& m) {
        return m.bids.size() + m.asks.size() + m.symbol.size() +
               static_cast<std::size_t>(m.data_ts_ms) + (m.bids.empty() ? 0 : m.bids[0].px.size());
      });
}
}  // namespace

int main() {
  std::printf("wirebook woo_bench  cpu: %s\n", bench::cpu_name().c_str());
  if (!bench::pin_to_cpu(bench::bench_cpu(1))) (void)bench::pin_to_cpu(0);
  const bench::WooStream stream = bench::make_woo_stream(kFrames);
  const auto& frames = stream.frames;
  if (!woo_parser_ab(frames, feeds::woo::Protocol::v2) ||
      !woo_parser_ab(stream.v3_deltas, feeds::woo::Protocol::v3)) {
    return 1;
  }
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
  // WIREBOOK_WOO_FAST_PATH=0: the pipeline and its parse-only baseline on the
  // general path, for before/after runs of the whole bench.
  const char* fast_env = std::getenv("WIREBOOK_WOO_FAST_PATH");
  feeds::woo::WooOptions options;
  options.fast_path = fast_env == nullptr || std::string_view(fast_env) != "0";
  parser.set_fast_path(options.fast_path);
  std::printf("fast path: %s\n", options.fast_path ? "on" : "off (WIREBOOK_WOO_FAST_PATH=0)");
  return bench::compare<feeds::woo::WooFeed>(frames, stream.specs(), 1024, segment.writer(),
                                             stream.truth, options, parse_one);
}
