#include "bench/feeds/pipeline.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

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

int report(Timed parse, Timed full, std::size_t checksum, bool books_ok, std::size_t books) {
  const auto pp = percentiles(parse.ns);
  const auto fp = percentiles(full.ns);
  print_line("parse only (simdjson On-Demand) per frame", pp);
  print_line("parse+chain+apply+publish per frame", fp);
  const double parse_rate =
      static_cast<double>(parse.ns.size()) * 1e9 / static_cast<double>(parse.total_ns);
  const double full_rate =
      static_cast<double>(full.ns.size()) * 1e9 / static_cast<double>(full.total_ns);
  std::printf("throughput: parse only %.2f M frames/s, full pipeline %.2f M frames/s\n",
              parse_rate / 1e6, full_rate / 1e6);
  std::printf("ratio full/parse: p50 %.2fx, throughput %.2fx (checksum %zu)\n", fp.p50 / pp.p50,
              parse_rate / full_rate, checksum);
  if (!books_ok) {
    std::printf("FAILED: books differ from the generator's truth or saw gaps\n");
    return 1;
  }
  std::printf("check: %zu books LIVE and equal to the truth\n", books);
  return 0;
}

}  // namespace wirebook::bench
