#include "bench/feeds/pipeline.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "book/decimal.hpp"
#include "shm/writer.hpp"

namespace wirebook::bench {

Frame make_frame(const std::string& text) {
  Frame f{std::vector<char>(text.size() + 64, '\0'), text.size()};
  std::copy(text.begin(), text.end(), f.buf.begin());
  return f;
}

std::string dec(std::int64_t v, int exp) {
  char b[book::kMaxDecimalText];
  return {b, book::format_decimal(v, exp, b, sizeof b)};
}

BenchSegment::BenchSegment(const std::string& venue, const std::vector<std::string>& symbols)
    : dir_("/dev/shm/wirebook-bench-" + venue + "-" + std::to_string(::getpid())) {
  shm::SegmentOptions so;
  so.dir = dir_;
  shm::VenueConfig vc;
  vc.name = venue;
  vc.symbols = symbols;
  vc.depth = 20;
  if (const auto st = shm::VenueWriter::create(so, vc, writer_); !st.ok()) error_ = st.detail;
}

BenchSegment::~BenchSegment() {
  writer_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool books_match(feeds::VenueBooks& books, const std::vector<book::L2Book>& truth) {
  bool ok = books.counters().gaps.load() == 0 && books.counters().malformed.load() == 0 &&
            books.size() == truth.size();
  for (std::uint32_t s = 0; ok && s < books.size(); ++s) {
    ok = books.status(s) == feeds::BookStatus::live;
    for (const book::Side side : {book::Side::bid, book::Side::ask}) {
      std::vector<book::Level> a(4000);
      std::vector<book::Level> b(4000);
      a.resize(books.book(s).copy_top(side, a.data(), a.size()));
      b.resize(truth[s].copy_top(side, b.data(), b.size()));
      ok = ok && a == b;
    }
  }
  return ok;
}

namespace {

Timed merged(const std::vector<Timed>& runs) {
  Timed all;
  for (const Timed& t : runs) {
    all.ns.insert(all.ns.end(), t.ns.begin(), t.ns.end());
  }
  return all;
}

}  // namespace

int report(const std::vector<Timed>& walk, const std::vector<Timed>& parse,
           const std::vector<Timed>& full, std::size_t checksum, bool books_ok, std::size_t books,
           const Labels& labels) {
  std::vector<double> ratios;
  for (std::size_t r = 0; r < parse.size() && r < full.size(); ++r) {
    std::vector<double> p = parse[r].ns;
    std::vector<double> f = full[r].ns;
    const double pp = percentiles(p).p50;
    const double fp = percentiles(f).p50;
    ratios.push_back(fp / pp);
    std::printf("round %zu: %s p50 %.1f ns, %s p50 %.1f ns, ratio %.2fx\n", r + 1, labels.base, pp,
                labels.full, fp, fp / pp);
  }
  Timed all_walk = merged(walk);
  Timed all_parse = merged(parse);
  Timed all_full = merged(full);
  const auto wp = percentiles(all_walk.ns);
  const auto pp = percentiles(all_parse.ns);
  const auto fp = percentiles(all_full.ns);
  print_line("bare walk (simdjson On-Demand, every scalar's raw text) per frame", wp);
  print_line(labels.base_line, pp);
  print_line(labels.full_line, fp);
  // Frames per second at the mean frame time.
  const auto rate = [](const Timed& t) {
    return static_cast<double>(t.ns.size()) * 1e9 / std::accumulate(t.ns.begin(), t.ns.end(), 0.0);
  };
  const double parse_rate = rate(all_parse);
  const double full_rate = rate(all_full);
  std::printf("throughput (1 / mean frame time): %s %.2f M frames/s, %s %.2f M frames/s\n",
              labels.base, parse_rate / 1e6, labels.full_rate, full_rate / 1e6);
  std::sort(ratios.begin(), ratios.end());
  std::printf(
      "ratio %s: p50 %.2fx (all rounds; per round %.2f-%.2fx, median %.2fx), "
      "throughput %.2fx (checksum %zu)\n",
      labels.ratio, fp.p50 / pp.p50, ratios.front(), ratios.back(), ratios[ratios.size() / 2],
      parse_rate / full_rate, checksum);
  std::printf("ratios to the bare walk (p50, all rounds): %s %.2fx, %s %.2fx\n", labels.full,
              fp.p50 / wp.p50, labels.base, pp.p50 / wp.p50);
  if (!books_ok) {
    std::printf("FAILED: books differ from the generator's truth or saw gaps\n");
    return 1;
  }
  std::printf("check: %zu books LIVE and equal to the truth after every round\n", books);
  return 0;
}

}  // namespace wirebook::bench
