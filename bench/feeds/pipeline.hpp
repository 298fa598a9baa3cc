#pragma once
// The pipeline benchmark harness shared by every venue bench (woo, pulse, o2):
// padded frames, a throw-away shared-memory segment, per-frame timing, the
// check of the final books against the generator's truth, and the report
// (parse-only baseline vs parse + chain + apply + publish, and their ratio).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
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

// Per-frame nanoseconds and the wall time of the whole stream.
struct Timed {
  std::vector<double> ns;
  std::int64_t total_ns = 0;
};

// Times fn(frame, now_ns) around each frame (the clock read is included).
template <class Fn>
[[nodiscard]] Timed time_frames(const std::vector<Frame>& frames, Fn&& fn) {
  Timed t;
  t.ns.reserve(frames.size());
  const std::int64_t begin = now_ns();
  for (const Frame& f : frames) {
    const std::int64_t t0 = now_ns();
    fn(f, t0);
    t.ns.push_back(static_cast<double>(now_ns() - t0));
  }
  t.total_ns = now_ns() - begin;
  return t;
}

// Every book LIVE, no gap or malformed frame, and equal to the truth.
[[nodiscard]] bool books_match(feeds::VenueBooks& books, const std::vector<book::L2Book>& truth);

// One full-pipeline pass: its timings and whether the books came out right.
struct FullRun {
  Timed timed;
  bool books_ok = false;
};

// One full pass of a venue feed (constructed as Feed(books, outbox, options))
// over the frames: fresh books, the feed connected, every frame timed, the
// books checked against the truth.
template <class Feed, class Options>
[[nodiscard]] FullRun run_feed(const std::vector<Frame>& frames,
                               const std::vector<feeds::InstrumentSpec>& specs,
                               std::size_t buffer_ops, shm::VenueWriter* writer,
                               const std::vector<book::L2Book>& truth, const Options& options) {
  feeds::VenueBooks books(specs, 4000, buffer_ops, writer);
  NullOutbox out;
  Feed feed(books, out, options);
  feed.on_connected(1);
  std::int64_t mono = 1;
  FullRun run;
  run.timed = time_frames(frames, [&](const Frame& f, std::int64_t now) {
    (void)feed.on_frame(f.buf.data(), f.len, f.buf.size(), now, ++mono);
  });
  run.books_ok = books_match(books, truth);
  return run;
}

// Passes per benchmark: parse-only and full pipeline alternate, so a change in
// the (shared, noisy) host's speed hits both sides of the ratio alike.
inline constexpr int kRounds = 5;

// Prints each round's pair and ratio, then both lines over all rounds'
// samples, throughputs, the ratio and the check; returns the exit code.
int report(const std::vector<Timed>& parse, const std::vector<Timed>& full, std::size_t checksum,
           bool books_ok, std::size_t books);

// Runs kRounds x (parse-only pass, full pass) over the same frames and reports.
// parse_one(frame) parses one frame (false on a parse failure); run_full()
// builds a fresh feed and books, runs every frame and checks the books.
template <class ParseOne, class RunFull>
int compare(const std::vector<Frame>& frames, std::size_t books, ParseOne&& parse_one,
            RunFull&& run_full) {
  std::vector<Timed> parse;
  std::vector<Timed> full;
  bool parsed = true;
  bool ok = true;
  std::size_t checksum = 0;
  for (int r = 0; r < kRounds; ++r) {
    parse.push_back(time_frames(
        frames, [&](const Frame& f, std::int64_t) { parsed = parse_one(f, checksum) && parsed; }));
    FullRun run = run_full();
    ok = ok && run.books_ok;
    full.push_back(std::move(run.timed));
  }
  if (!parsed) {
    std::printf("FAILED: a frame did not parse\n");
    return 2;
  }
  return report(parse, full, checksum, ok, books);
}

}  // namespace wirebook::bench
