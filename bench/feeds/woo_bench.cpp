// WOO X pipeline benchmark: parse + prevTs chain check + book apply + shm
// publish per @orderbookupdate frame, against a parse-only baseline (the same
// simdjson On-Demand parser walking the same frames) in the same run.
//
// 200,000 generated frames over 4 symbols, ~5 level changes per frame, levels
// concentrated near the touch. Per-frame latency is timed with CLOCK_MONOTONIC
// around each frame (~20 ns clock cost included); throughput is wall time over
// the whole stream. The final books are checked against the generator's truth.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.hpp"
#include "book/decimal.hpp"
#include "book/l2_book.hpp"
#include "feeds/woo/parser.hpp"
#include "feeds/woo/woo_feed.hpp"
#include "shm/writer.hpp"

using namespace wirebook;
using book::Level;
using book::Side;

namespace {

constexpr std::size_t kFrames = 200'000;
constexpr int kPxExp = -2;
constexpr int kQtyExp = -4;

struct Frame {
  std::vector<char> buf;  // text + 64 bytes of padding
  std::size_t len;
};

struct NullOutbox final : feeds::Outbox {
  void send_text(std::string_view) override {}
};

std::string dec(std::int64_t v, int exp) {
  char b[book::kMaxDecimalText];
  return {b, book::format_decimal(v, exp, b, sizeof b)};
}

Frame make_frame(const std::string& s) {
  Frame f{std::vector<char>(s.size() + 64, '\0'), s.size()};
  std::copy(s.begin(), s.end(), f.buf.begin());
  return f;
}

}  // namespace

int main() {
  std::printf("wirebook woo_bench  cpu: %s\n", bench::cpu_name().c_str());
  if (!bench::pin_to_cpu(1)) (void)bench::pin_to_cpu(0);
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

  // Parse-only baseline.
  feeds::woo::Parser parser(4000, 16U << 20U);
  std::vector<double> parse_ns;
  parse_ns.reserve(frames.size());
  std::size_t checksum = 0;
  const std::int64_t p0 = bench::now_ns();
  for (const auto& f : frames) {
    const std::int64_t t0 = bench::now_ns();
    feeds::woo::Message m;
    if (parser.parse(f.buf.data(), f.len, f.buf.size(), m) != feeds::woo::ParseStatus::ok) return 2;
    checksum += m.bids.size() + m.asks.size();
    parse_ns.push_back(static_cast<double>(bench::now_ns() - t0));
  }
  const std::int64_t p1 = bench::now_ns();

  // Full pipeline into a real segment.
  const std::string dir = "/dev/shm/wirebook-bench-" + std::to_string(::getpid());
  shm::SegmentOptions so;
  so.dir = dir;
  shm::VenueConfig vc;
  vc.name = "woo";
  vc.symbols = syms;
  vc.depth = 20;
  std::unique_ptr<shm::VenueWriter> writer;
  if (const auto st = shm::VenueWriter::create(so, vc, writer); !st.ok()) {
    std::printf("cannot create segment: %s\n", st.detail.c_str());
    return 2;
  }
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& s : syms) specs.push_back({s, kPxExp, kQtyExp});
  feeds::VenueBooks books(specs, 4000, 1024, writer.get());
  NullOutbox out;
  feeds::woo::WooFeed feed(books, out, feeds::woo::WooOptions{});
  feed.on_connected(1);
  std::vector<double> full_ns;
  full_ns.reserve(frames.size());
  const std::int64_t f0 = bench::now_ns();
  std::int64_t mono = 1;
  for (const auto& f : frames) {
    const std::int64_t t0 = bench::now_ns();
    (void)feed.on_frame(f.buf.data(), f.len, f.buf.size(), t0, ++mono);
    full_ns.push_back(static_cast<double>(bench::now_ns() - t0));
  }
  const std::int64_t f1 = bench::now_ns();

  // Check: every book LIVE, no gap, equal to the truth.
  bool ok = books.counters().gaps == 0 && books.counters().malformed == 0;
  for (std::uint32_t s = 0; s < syms.size(); ++s) {
    ok = ok && books.status(s) == feeds::BookStatus::live;
    for (const Side side : {Side::bid, Side::ask}) {
      std::vector<Level> a(4000);
      std::vector<Level> b(4000);
      a.resize(books.book(s).copy_top(side, a.data(), a.size()));
      b.resize(truth[s].copy_top(side, b.data(), b.size()));
      ok = ok && a == b;
    }
  }
  writer.reset();
  std::filesystem::remove_all(dir);

  const auto pp = bench::percentiles(parse_ns);
  const auto fp = bench::percentiles(full_ns);
  bench::print_line("parse only (simdjson On-Demand) per frame", pp);
  bench::print_line("parse+chain+apply+publish per frame", fp);
  const double parse_rate = static_cast<double>(frames.size()) * 1e9 / static_cast<double>(p1 - p0);
  const double full_rate = static_cast<double>(frames.size()) * 1e9 / static_cast<double>(f1 - f0);
  std::printf("throughput: parse only %.2f M frames/s, full pipeline %.2f M frames/s\n",
              parse_rate / 1e6, full_rate / 1e6);
  std::printf("ratio full/parse: p50 %.2fx, throughput %.2fx (checksum %zu)\n", fp.p50 / pp.p50,
              parse_rate / full_rate, checksum);
  if (!ok) {
    std::printf("FAILED: books differ from the generator's truth or saw gaps\n");
    return 1;
  }
  std::printf("check: %zu books LIVE and equal to the truth\n", syms.size());
  return 0;
}
