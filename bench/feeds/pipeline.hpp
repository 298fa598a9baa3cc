#pragma once
// The pipeline benchmark harness shared by every venue bench (woo, pulse, o2, oxfun, ocx):
// padded frames, a throw-away shared-memory segment, per-frame timing, the
// check of the final books against the generator's truth, and the report
// (the bare walk and the parse-only baseline vs parse + chain + apply + publish,
// and their ratios).
#include <algorithm>
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
#include "tools/replay/bare_walk.hpp"

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
  const char* base_line = "parse only (the venue parser) per frame";
  const char* full = "full";
  const char* full_line = "parse+chain+apply+publish per frame";
  const char* full_rate = "full pipeline";
  const char* ratio = "full/parse";
};

// The JSON text of a frame the bare walk goes over (default: the whole frame;
// an SSE bench's frames carry their event's data inside).
struct JsonText {
  const char* data;
  std::size_t len;
  std::size_t capacity;  // >= len + SIMDJSON_PADDING
};
using JsonOf = JsonText (*)(const Frame&);
[[nodiscard]] inline JsonText whole_frame(const Frame& f) {
  return {f.buf.data(), f.len, f.buf.size()};
}

// Prints each round's pair and ratio, then the bare walk's, the baseline's
// and the full pipeline's lines over all rounds' samples, throughputs, the
// ratios and the check; returns the exit code.
int report(const std::vector<Timed>& walk, const std::vector<Timed>& parse,
           const std::vector<Timed>& full, std::size_t checksum, bool books_ok, std::size_t books,
           const Labels& labels = {});

// The bare walk, the parse-only baseline and the full pipeline timed on every
// frame back to back: the host's speed swings (2x within a minute on a shared
// VM) then hit every side of the ratios alike. The order rotates per frame,
// so each finds the frame already in cache (as it is after the socket read)
// equally often. make_full(books) sets up one round's pipeline into fresh
// `books` and returns full(frame, recv_realtime_ns, recv_mono_ns);
// parse_one(frame, checksum) parses one frame with a separate parser (false
// on a parse failure); json_of gives the text the bare walk goes over. After
// each round the books are checked against the generator's truth.
// A venue parser's fast path against its general path (issue 22), in
// process: blocks of kAbBlock frames parsed by one then the other,
// alternating which goes first, so the host's speed swings hit both alike;
// one clock read per block, not per frame. Each block's bytes are read into
// the cache first, as a frame is after the socket read. Both must give the
// same `checksum(message)` sums. Prints one line; false on a difference.
inline constexpr std::size_t kAbBlock = 100;  // frames per timed block (fits L2)
inline constexpr int kAbRounds = 10;

inline std::size_t warm_block(const std::vector<Frame>& frames, std::size_t begin) {
  std::size_t sum = 0;
  for (std::size_t k = begin; k < begin + kAbBlock; ++k) {
    for (std::size_t c = 0; c < frames[k].len; c += 64) sum += frames[k].buf[c] == '"' ? 1 : 0;
  }
  return sum;
}

template <class Message, class Parser, class Checksum>
bool parser_ab(const char* label, const std::vector<Frame>& frames, Parser& fast, Parser& general,
               Checksum checksum) {
  std::vector<double> ns[2];  // [0] fast, [1] general
  std::size_t sums[2] = {0, 0};
  for (int r = 0; r < kAbRounds; ++r) {
    for (std::size_t b = 0; b + kAbBlock <= frames.size(); b += kAbBlock) {
      for (int side = 0; side < 2; ++side) {
        const int which = (side == 0) == ((b / kAbBlock + r) % 2 == 0) ? 0 : 1;
        Parser& p = which == 0 ? fast : general;
        std::size_t sum = warm_block(frames, b);
        const std::int64_t t0 = now_ns();
        for (std::size_t k = b; k < b + kAbBlock; ++k) {
          Message m;
          (void)p.parse(frames[k].buf.data(), frames[k].len, frames[k].buf.size(), m);
          sum += checksum(m);
        }
        ns[which].push_back(static_cast<double>(now_ns() - t0) / kAbBlock);
        sums[which] += sum;
      }
    }
  }
  const auto median = [](std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double f = median(ns[0]);
  const double g = median(ns[1]);
  std::printf(
      "%s parser A/B (blocks of %zu frames, alternating, median of %zu blocks each): general "
      "%.1f ns/frame, fast path %.1f ns/frame, %.2fx; same results: %s\n",
      label, kAbBlock, ns[0].size(), g, f, g / f, sums[0] == sums[1] ? "yes" : "NO");
  return sums[0] == sums[1];
}

template <class MakeFull, class ParseOne>
int compare_with(const std::vector<Frame>& frames, const std::vector<feeds::InstrumentSpec>& specs,
                 std::size_t buffer_ops, shm::VenueWriter* writer,
                 const std::vector<book::L2Book>& truth, MakeFull&& make_full, ParseOne&& parse_one,
                 const Labels& labels = {}, JsonOf json_of = &whole_frame) {
  std::vector<Timed> walk(kRounds);
  std::vector<Timed> parse(kRounds);
  std::vector<Timed> full(kRounds);
  bool parsed = true;
  bool ok = true;
  std::size_t checksum = 0;
  std::uint64_t touch = 0;
  simdjson::ondemand::parser walker;
  for (int r = 0; r < kRounds; ++r) {
    feeds::VenueBooks books(specs, 4000, buffer_ops, writer);
    auto run_full = make_full(books);
    std::int64_t mono = 1;
    Timed* timed[3] = {&walk[static_cast<std::size_t>(r)], &parse[static_cast<std::size_t>(r)],
                       &full[static_cast<std::size_t>(r)]};
    for (Timed* t : timed) t->ns.reserve(frames.size());
    std::size_t first = 0;
    for (const Frame& fr : frames) {
      for (std::size_t k = 0; k < 3; ++k) {
        const std::size_t which = (first + k) % 3;
        const std::int64_t t0 = now_ns();
        if (which == 0) {
          const JsonText j = json_of(fr);
          parsed =
              replay::bare_walk_message(walker, j.data, j.len, j.capacity, touch) > 0 && parsed;
        } else if (which == 1) {
          parsed = parse_one(fr, checksum) && parsed;
        } else {
          run_full(fr, t0, ++mono);
        }
        timed[which]->ns.push_back(static_cast<double>(now_ns() - t0));
      }
      first = (first + 1) % 3;
    }
    ok = books_match(books, truth) && ok;
  }
  if (!parsed) {
    std::printf("FAILED: a frame did not parse\n");
    return 2;
  }
  return report(walk, parse, full, checksum + (touch & 1U), ok, truth.size(), labels);
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
