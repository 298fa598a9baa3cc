// O2 pipeline benchmark: parse + seq chain check + book apply + shm publish
// per order_book delta in the working schema (DESIGN §5), against a
// parse-only baseline (the same simdjson On-Demand parser) in the same run.
//
// 200,000 generated delta frames over 4 markets, 3-7 level changes per frame,
// levels mixed as [p, q] numbers, ["p", "q"] strings and {price, size}
// objects. Per-frame latency is timed with CLOCK_MONOTONIC around each frame;
// final books are checked against the generator's truth.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.hpp"
#include "book/decimal.hpp"
#include "book/l2_book.hpp"
#include "feeds/o2/o2_feed.hpp"
#include "feeds/o2/parser.hpp"
#include "shm/writer.hpp"

using namespace wirebook;
using book::Level;
using book::Side;

namespace {

constexpr std::size_t kFrames = 200'000;
constexpr int kPxExp = -2;
constexpr int kQtyExp = -4;

struct Frame {
  std::vector<char> buf;
  std::size_t len;
};

struct NullOutbox final : feeds::Outbox {
  void send_text(std::string_view) override {}
};

std::string dec(std::int64_t v, int exp) {
  char b[book::kMaxDecimalText];
  return {b, book::format_decimal(v, exp, b, sizeof b)};
}

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

Frame make_frame(const std::string& s) {
  Frame f{std::vector<char>(s.size() + 64, '\0'), s.size()};
  std::copy(s.begin(), s.end(), f.buf.begin());
  return f;
}

}  // namespace

int main() {
  std::printf("wirebook o2_bench  cpu: %s\n", bench::cpu_name().c_str());
  if (!bench::pin_to_cpu(1)) (void)bench::pin_to_cpu(0);
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

  feeds::o2::Parser parser(4000, 16U << 20U);
  std::vector<double> parse_ns;
  parse_ns.reserve(frames.size());
  std::size_t checksum = 0;
  const std::int64_t p0 = bench::now_ns();
  for (const auto& f : frames) {
    const std::int64_t t0 = bench::now_ns();
    feeds::o2::Message m;
    if (parser.parse(f.buf.data(), f.len, f.buf.size(), m) != feeds::o2::ParseStatus::ok) return 2;
    checksum += m.bids.size() + m.asks.size();
    parse_ns.push_back(static_cast<double>(bench::now_ns() - t0));
  }
  const std::int64_t p1 = bench::now_ns();

  const std::string dir = "/dev/shm/wirebook-bench-o2-" + std::to_string(::getpid());
  shm::SegmentOptions so;
  so.dir = dir;
  shm::VenueConfig vc;
  vc.name = "o2";
  vc.symbols = syms;
  vc.depth = 20;
  std::unique_ptr<shm::VenueWriter> writer;
  if (const auto st = shm::VenueWriter::create(so, vc, writer); !st.ok()) {
    std::printf("cannot create segment: %s\n", st.detail.c_str());
    return 2;
  }
  std::vector<feeds::InstrumentSpec> specs;
  for (const auto& s : syms) specs.push_back({s, kPxExp, kQtyExp});
  feeds::VenueBooks books(specs, 4000, 16, writer.get());
  NullOutbox out;
  feeds::o2::O2Options opt;
  opt.market_ids = ids;
  feeds::o2::O2Feed feed(books, out, opt);
  feed.on_connected(1);
  std::vector<double> full_ns;
  full_ns.reserve(frames.size());
  std::int64_t mono = 1;
  const std::int64_t f0 = bench::now_ns();
  for (const auto& f : frames) {
    const std::int64_t t0 = bench::now_ns();
    (void)feed.on_frame(f.buf.data(), f.len, f.buf.size(), t0, ++mono);
    full_ns.push_back(static_cast<double>(bench::now_ns() - t0));
  }
  const std::int64_t f1 = bench::now_ns();

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
