// OCX pipeline benchmark: parse + eventSeq chain check + book apply + shm
// publish per book-stream `update` event, against a parse-only baseline (the
// same simdjson On-Demand parser) in the same run.
//
// One `snapshot` event per market stream, then 200,000 generated `update`
// events over 4 markets (one stream each, as the feed holds them), ~5 level
// changes per event, levels as {price, size, total} strings (PROTOCOLS.md §5),
// eventSeq +1 per stream. Events are given as the SSE parser hands them over
// (the joined data lines, padded): SSE framing is transport, as WebSocket
// framing is for the other venues' benches. Each event goes through the
// parse-only baseline and the full pipeline back to back, each timed with
// CLOCK_MONOTONIC; final books checked against the truth.
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/feeds/pipeline.hpp"
#include "book/l2_book.hpp"
#include "feeds/common/sse_parser.hpp"
#include "feeds/ocx/ocx_feed.hpp"
#include "feeds/ocx/parser.hpp"

using namespace wirebook;
using book::Side;

namespace {

using bench::dec;
using bench::Frame;
using bench::make_frame;

constexpr std::size_t kFrames = 200'000;
constexpr int kPxExp = -1;
constexpr int kQtyExp = -3;

std::string level(std::int64_t px, std::int64_t qty) {
  const std::string size = dec(qty, kQtyExp);
  return R"({"price":")" + dec(px, kPxExp) + R"(","size":")" + size + R"(","total":")" + size +
         R"("})";
}

std::string book_event(const char* type, const std::string& market, std::int64_t seq,
                       const std::string& bids, const std::string& asks) {
  return std::string(R"({"eventId":"book-)") + std::to_string(seq) + R"(","eventType":")" + type +
         R"(","eventSeq":)" + std::to_string(seq) +
         R"(,"engineTs":1733400000000,"sourceTs":1733400000000,"payload":{"marketId":")" + market +
         R"(","bids":[)" + bids + R"(],"asks":[)" + asks + "]}}";
}

// An event as the SSE parser delivers it: which stream, its `event:` name.
struct EventOf {
  std::size_t stream;
  const char* type;
};

}  // namespace

int main() {
  std::printf("wirebook ocx_bench  cpu: %s\n", bench::cpu_name().c_str());
  if (!bench::pin_to_cpu(bench::bench_cpu(1))) (void)bench::pin_to_cpu(0);
  const std::vector<std::string> syms = {"BTC-PERP", "ETH-PERP", "SOL-PERP", "XRP-PERP"};
  std::mt19937_64 rng(7);
  std::vector<book::L2Book> truth;
  std::vector<std::int64_t> seq(syms.size(), 0);
  std::vector<std::int64_t> mid(syms.size(), 682'005);
  std::vector<Frame> frames;
  std::vector<EventOf> events;
  frames.reserve(kFrames + syms.size());
  events.reserve(kFrames + syms.size());
  for (std::size_t s = 0; s < syms.size(); ++s) {
    truth.emplace_back(4000);
    std::string bids;
    std::string asks;
    for (std::int64_t k = 0; k < 100; ++k) {
      (void)truth[s].set_level(Side::bid, mid[s] - 1 - k, 1000 + k * 100);
      (void)truth[s].set_level(Side::ask, mid[s] + 1 + k, 1000 + k * 100);
      const std::string sep = k ? "," : "";
      bids += sep + level(mid[s] - 1 - k, 1000 + k * 100);
      asks += sep + level(mid[s] + 1 + k, 1000 + k * 100);
    }
    seq[s] = 7'000'000 + static_cast<std::int64_t>(s) * 1'000'000;
    frames.push_back(make_frame(book_event("snapshot", syms[s], seq[s], bids, asks)));
    events.push_back({s, "snapshot"});
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
      out += level(px, qty);
      ++changes;
    }
    frames.push_back(make_frame(book_event("update", syms[s], ++seq[s], bids, asks)));
    events.push_back({s, "update"});
  }
  std::printf("%zu update events, %.2f level changes per event\n", kFrames,
              static_cast<double>(changes) / kFrames);
  const auto event_of = [&](const Frame& f) {
    const EventOf& e = events[static_cast<std::size_t>(&f - frames.data())];
    feeds::SseEvent ev;
    ev.type = e.type;
    ev.data = f.buf.data();
    ev.len = f.len;
    ev.capacity = f.buf.size();
    return std::pair{e.stream, ev};
  };

  // Parse-only baseline: the same parser walking the same events.
  feeds::ocx::Parser parser(20000, 16U << 20U);
  const auto parse_one = [&](const Frame& f, std::size_t& checksum) {
    const auto [stream, ev] = event_of(f);
    feeds::ocx::Message m;
    const bool ok =
        parser.parse(ev.type, ev.data, ev.len, ev.capacity, m) == feeds::ocx::ParseStatus::ok;
    checksum += m.bids.size() + m.asks.size() + stream;
    return ok;
  };
  // The full pipeline: the feed as the SSE session drives it, every stream open.
  const auto make_full = [&](feeds::VenueBooks& books) {
    auto feed = std::make_unique<feeds::ocx::OcxFeed>(books, feeds::ocx::OcxOptions{});
    for (std::size_t s = 0; s < syms.size(); ++s) feed->on_stream_open(s, 1);
    return
        [feed = std::move(feed), &event_of](const Frame& f, std::int64_t now, std::int64_t mono) {
          const auto [stream, ev] = event_of(f);
          (void)feed->on_event(stream, ev, now, mono);
        };
  };

  const bench::BenchSegment segment("ocx", syms);
  if (segment.writer() == nullptr) {
    std::printf("cannot create segment: %s\n", segment.error().c_str());
    return 2;
  }
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& s : syms) specs.push_back({s, kPxExp, kQtyExp});
  return bench::compare_with(frames, specs, 16, segment.writer(), truth, make_full, parse_one);
}
