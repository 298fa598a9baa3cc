#pragma once
// The pipeline benchmark harness shared by every venue bench (woo, pulse, o2, oxfun, ocx):
// padded frames, a throw-away shared-memory segment, per-frame timing, the
// check of the final books against the generator's truth, and the report
// (parse-only baseline vs parse + chain + apply + publish, and their ratio).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/bench_util.hpp"
#include "book/l2_book.hpp"
#include "feeds/common/outbox.hpp"
#include "feeds/common/venue_books.hpp"

namespace wirebook::shm {
class VenueWriter;
}

namespace wirebook::bench {

// A frame as the socket gives it: text plus 64 zero bytes of padding.
struct Frame {
  std::vector<char> buf;
  std::size_t len;
};
[[nodiscard]] Frame make_frame(const std::string& text);

struct NullOutbox final : feeds::Outbox {
  void send_text(std::string_view) override {}
};

// "56749.15" for (5674915, -2).
[[nodiscard]] std::string dec(std::int64_t v, int exp);

// A fresh venue segment in /dev/shm (depth 20), removed again on destruction.
class BenchSegment {
 public:
  BenchSegment(const std::string& venue, const std::vector<std::string>& symbols);
  ~BenchSegment();
  BenchSegment(const BenchSegment&) = delete;
  BenchSegment& operator=(const BenchSegment&) = delete;
  [[nodiscard]] shm::VenueWriter* writer() const noexcept { return writer_.get(); }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  std::string dir_;
  std::unique_ptr<shm::VenueWriter> writer_;
  std::string error_;
};

// Per-frame nanoseconds of one pass.
struct Timed {
  std::vector<double> ns;
};

// Every book LIVE, no gap or malformed frame, and equal to the truth.
[[nodiscard]] bool books_match(feeds::VenueBooks& books, const std::vector<book::L2Book>& truth);

// Passes over the whole stream; each pass builds fresh books and a fresh feed.
inline constexpr int kRounds = 5;

// What the report calls the two timed consumers (defaults: the venue benches).
struct Labels {
  const char* base = "parse only";
  const char* base_line = "parse only (simdjson On-Demand) per frame";
  const char* full = "full";
  const char* full_line = "parse+chain+apply+publish per frame";
  const char* full_rate = "full pipeline";
  const char* ratio = "full/parse";
};

// Prints each round's pair and ratio, then both lines over all rounds'
// samples, throughputs, the ratio and the check; returns the exit code.
int report(const std::vector<Timed>& parse, const std::vector<Timed>& full, std::size_t checksum,
           bool books_ok, std::size_t books, const Labels& labels = {});

// The parse-only baseline and the full pipeline timed on every frame back to
// back: the host's speed swings (2x within a minute on a shared VM) then hit
// both sides of the ratio alike. The order alternates per frame, so each side
// finds the frame already in cache (as it is after the socket read) equally
// often. make_full(books) sets up one round's pipeline into fresh `books` and
// returns full(frame, recv_realtime_ns, recv_mono_ns); parse_one(frame,
// checksum) parses one frame with a separate parser (false on a parse
// failure). After each round the books are checked against the generator's truth.
template <class MakeFull, class ParseOne>
int compare_with(const std::vector<Frame>& frames, const std::vector<feeds::InstrumentSpec>& specs,
                 std::size_t buffer_ops, shm::VenueWriter* writer,
                 const std::vector<book::L2Book>& truth, MakeFull&& make_full, ParseOne&& parse_one,
                 const Labels& labels = {}) {
  std::vector<Timed> parse(kRounds);
  std::vector<Timed> full(kRounds);
  bool parsed = true;
  bool ok = true;
  std::size_t checksum = 0;
  for (int r = 0; r < kRounds; ++r) {
    feeds::VenueBooks books(specs, 4000, buffer_ops, writer);
    auto run_full = make_full(books);
    std::int64_t mono = 1;
    Timed& p = parse[static_cast<std::size_t>(r)];
    Timed& f = full[static_cast<std::size_t>(r)];
    p.ns.reserve(frames.size());
    f.ns.reserve(frames.size());
    bool parse_first = true;
    for (const Frame& fr : frames) {
      const std::int64_t t0 = now_ns();
      if (parse_first) {
        parsed = parse_one(fr, checksum) && parsed;
      } else {
        run_full(fr, t0, ++mono);
      }
      const std::int64_t t1 = now_ns();
      if (parse_first) {
        run_full(fr, t1, ++mono);
      } else {
        parsed = parse_one(fr, checksum) && parsed;
      }
      const std::int64_t t2 = now_ns();
      p.ns.push_back(static_cast<double>(parse_first ? t1 - t0 : t2 - t1));
      f.ns.push_back(static_cast<double>(parse_first ? t2 - t1 : t1 - t0));
      parse_first = !parse_first;
    }
    ok = books_match(books, truth) && ok;
  }
  if (!parsed) {
    std::printf("FAILED: a frame did not parse\n");
    return 2;
  }
  return report(parse, full, checksum, ok, truth.size(), labels);
}

// compare_with for a WebSocket venue feed constructed as Feed(books, outbox,
// options), frames into its on_frame.
template <class Feed, class Options, class ParseOne>
int compare(const std::vector<Frame>& frames, const std::vector<feeds::InstrumentSpec>& specs,
            std::size_t buffer_ops, shm::VenueWriter* writer,
            const std::vector<book::L2Book>& truth, const Options& options, ParseOne&& parse_one) {
  struct Round {
    Round(feeds::VenueBooks& books, const Options& o) : feed(books, out, o) {}
    NullOutbox out;
    Feed feed;
  };
  const auto make_full = [&options](feeds::VenueBooks& books) {
    auto round = std::make_unique<Round>(books, options);
    round->feed.on_connected(1);
    return [round = std::move(round)](const Frame& fr, std::int64_t now, std::int64_t mono) {
      (void)round->feed.on_frame(fr.buf.data(), fr.len, fr.buf.size(), now, mono);
    };
  };
  return compare_with(frames, specs, buffer_ops, writer, truth, make_full,
                      std::forward<ParseOne>(parse_one));
}

}  // namespace wirebook::bench
