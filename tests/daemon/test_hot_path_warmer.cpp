// HotPathWarmer in process (README "Idle strategies"): it forwards every
// FrameHandler call to the feed as that same call, keeps a sample without
// allocating on the frame path, and warms only after `interval` without a
// busy turn; its scratch book publishes into a segment no reader can find,
// never into the venue's.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <simdjson.h>

#include "daemon/hot_path_warmer.hpp"
#include "shm/writer.hpp"
#include "tests/shm/test_util.hpp"
#include "wirebook/reader.hpp"

namespace feeds = wirebook::feeds;
using wirebook::daemon::HotPathWarmer;

namespace {

// Logs each call it gets by name (and the stream, where there is one).
struct LoggingFeed final : feeds::FrameHandler {
  std::vector<std::string> calls;
  mutable int warms = 0;  // warm() is const: it changes nothing a frame sees
  void on_open(std::int64_t) override { calls.emplace_back("open"); }
  void on_close(std::int64_t) override { calls.emplace_back("close"); }
  bool on_frame(const char* d, std::size_t n, std::size_t, std::int64_t,
                std::int64_t) noexcept override {
    calls.push_back("frame " + std::string(d, n));
    return false;
  }
  bool on_timer(std::int64_t) noexcept override {
    calls.emplace_back("timer");
    return true;
  }
  void warm() const noexcept override { ++warms; }
  [[nodiscard]] std::vector<std::string> stream_targets() const override { return {"/a", "/b"}; }
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> stream_headers(
      std::size_t s) const override {
    return {{"x-stream", std::to_string(s)}};
  }
  [[nodiscard]] bool stream_enabled(std::size_t s) const noexcept override { return s == 0; }
  void on_stream_open(std::size_t s, std::int64_t) override {
    calls.push_back("stream_open " + std::to_string(s));
  }
  void on_stream_close(std::size_t s, std::int64_t) override {
    calls.push_back("stream_close " + std::to_string(s));
  }
  bool on_stream_event(std::size_t s, const feeds::SseEvent& e, std::int64_t,
                       std::int64_t) noexcept override {
    calls.push_back("stream_event " + std::to_string(s) + " " + std::string(e.type));
    return true;
  }
  void on_stream_refused(std::size_t s, unsigned status) noexcept override {
    calls.push_back("stream_refused " + std::to_string(s) + " " + std::to_string(status));
  }
  void on_stream_comment(std::size_t s, std::string_view text, std::int64_t) noexcept override {
    calls.push_back("stream_comment " + std::to_string(s) + " " + std::string(text));
  }
  bool on_stream_timer(std::size_t s, std::int64_t) noexcept override {
    calls.push_back("stream_timer " + std::to_string(s));
    return false;
  }
};

// Records what the warmer parses.
struct LoggingParser final : feeds::MessageParser {
  std::vector<std::string>* parsed;
  explicit LoggingParser(std::vector<std::string>* out) : parsed(out) {}
  std::int64_t parse(std::string_view type, const char* d, std::size_t n,
                     std::size_t capacity) noexcept override {
    if (capacity < n + simdjson::SIMDJSON_PADDING) return -1;
    parsed->push_back(std::string(type) + "|" + std::string(d, n));
    return 1;
  }
};

constexpr std::int64_t kInterval = 200'000;  // ns

struct Fixture {
  LoggingFeed feed;
  std::vector<std::string> parsed;
  feeds::VenueBooks books{{{"X", -2, -2}}, 4, 4, nullptr};
  HotPathWarmer warmer{feed, std::make_unique<LoggingParser>(&parsed), books, nullptr, kInterval};

  bool frame(const std::string& text, std::int64_t now) {
    std::string buf = text;
    buf.resize(text.size() + simdjson::SIMDJSON_PADDING);
    return warmer.on_frame(buf.data(), text.size(), buf.size(), 0, now);
  }
};

}  // namespace

TEST_CASE("hot-path warmer: every call reaches the feed as itself", "[daemon][warmer]") {
  Fixture f;
  feeds::FrameHandler& h = f.warmer;
  h.on_open(1);
  CHECK_FALSE(f.frame("{}", 2));
  CHECK(h.on_timer(3));
  CHECK(h.stream_targets() == std::vector<std::string>{"/a", "/b"});
  CHECK(h.stream_headers(1).at(0).second == "1");
  CHECK(h.stream_enabled(0));
  CHECK_FALSE(h.stream_enabled(1));
  h.on_stream_open(1, 4);
  std::string data = "{\"e\":1}";
  data.resize(data.size() + simdjson::SIMDJSON_PADDING);
  feeds::SseEvent ev;
  ev.type = "book";
  ev.data = data.data();
  ev.len = 7;
  ev.capacity = data.size();
  CHECK(h.on_stream_event(1, ev, 0, 5));
  h.on_stream_comment(1, "hb", 6);
  CHECK_FALSE(h.on_stream_timer(1, 7));
  h.on_stream_refused(1, 401);
  h.on_stream_close(1, 8);
  h.on_close(9);
  h.warm();
  CHECK(f.feed.warms == 1);
  // A multi-stream call never turns into on_frame/on_open/on_close.
  CHECK(f.feed.calls == std::vector<std::string>{"open", "frame {}", "timer", "stream_open 1",
                                                 "stream_event 1 book", "stream_comment 1 hb",
                                                 "stream_timer 1", "stream_refused 1 401",
                                                 "stream_close 1", "close"});
}

TEST_CASE("hot-path warmer: warms a kept sample after an interval without a busy turn",
          "[daemon][warmer]") {
  Fixture f;
  f.warmer.on_busy_turn(0);
  f.warmer.on_idle_turn(kInterval - 1);
  CHECK(f.warmer.warmings() == 0);
  // Nothing sampled yet: a warming reads the books and parses nothing.
  f.warmer.on_idle_turn(kInterval);
  CHECK(f.warmer.warmings() == 1);
  CHECK(f.parsed.empty());
  CHECK(f.feed.warms == 1);  // each warming warms the feed's own state

  // A frame arrives in a busy turn; the interval counts from that turn.
  CHECK_FALSE(f.frame("{\"a\":1}", 1'000'000));
  f.warmer.on_busy_turn(1'000'000);
  f.warmer.on_idle_turn(1'000'000 + kInterval - 1);
  CHECK(f.warmer.warmings() == 1);
  f.warmer.on_idle_turn(1'000'000 + kInterval);
  CHECK(f.warmer.warmings() == 2);
  CHECK(f.parsed == std::vector<std::string>{"|{\"a\":1}"});
  // The next warming waits a full interval after this one.
  f.warmer.on_idle_turn(1'000'000 + 2 * kInterval - 1);
  CHECK(f.warmer.warmings() == 2);
  f.warmer.on_idle_turn(1'000'000 + 2 * kInterval);
  CHECK(f.warmer.warmings() == 3);
  CHECK(f.parsed.size() == 2);
  CHECK(f.feed.warms == 3);
}

TEST_CASE("hot-path warmer: one sample a second; a frame too big to keep is skipped",
          "[daemon][warmer]") {
  Fixture f;
  const std::int64_t s = 1'000'000'000;
  CHECK_FALSE(f.frame("{\"first\":1}", 0));
  CHECK_FALSE(f.frame("{\"within\":1}", s - 1));  // within the second: not kept
  const std::string big = "\"" + std::string(HotPathWarmer::kMaxSampleBytes, 'x') + "\"";
  CHECK_FALSE(f.frame(big, s));                 // due, but too big: not kept
  CHECK_FALSE(f.frame("{\"next\":1}", s + 1));  // the next frame that fits is
  f.warmer.on_idle_turn(s + 1 + kInterval);
  CHECK(f.parsed == std::vector<std::string>{"|{\"next\":1}"});
  // Every frame still reached the feed.
  CHECK(f.feed.calls.size() == 4);
}

TEST_CASE("hot-path warmer: the scratch book publishes beside the venue's segment, never into it",
          "[daemon][warmer]") {
  namespace shm = wirebook::shm;
  shm::test::TempDir dir{"warm"};
  shm::SegmentOptions so;
  so.dir = dir.path();
  shm::VenueConfig vc;
  vc.name = "woo";
  vc.symbols = {"X"};
  vc.depth = 5;
  vc.ring_capacity = 64;
  std::unique_ptr<shm::VenueWriter> writer;
  REQUIRE(shm::VenueWriter::create(so, vc, writer).ok());
  feeds::VenueBooks books{{{"X", -2, -2}}, 16, 4, writer.get()};
  LoggingFeed feed;
  std::vector<std::string> parsed;
  HotPathWarmer warmer{feed, std::make_unique<LoggingParser>(&parsed), books, writer.get(),
                       kInterval};
  // Its directory was removed as soon as the segment was mapped: the instance
  // directory holds the venue's segment alone.
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(e.path().filename().string());
  }
  CHECK(names == std::vector<std::string>{"venue-woo"});

  const std::uint64_t head = writer->ring_head();
  for (std::int64_t k = 1; k <= 3; ++k) warmer.on_idle_turn(k * kInterval);
  CHECK(warmer.warmings() == 3);
  CHECK(warmer.scratch_publications() == 3);
  // Nothing reached the venue's segment: no event, no book publication.
  CHECK(writer->ring_head() == head);
  shm::VenueReader reader;
  REQUIRE(shm::VenueReader::open(dir.path(), "woo", reader) == shm::OpenError::ok);
  CHECK(reader.ring_head() == head);
  shm::BookView view;
  shm::Level bids[5];
  shm::Level asks[5];
  CHECK(reader.read_book(0, view, bids, asks, 5) == shm::ReadResult::empty);
}

TEST_CASE("hot-path warmer: without a writer there is no scratch book", "[daemon][warmer]") {
  Fixture f;
  f.warmer.on_idle_turn(kInterval);
  CHECK(f.warmer.warmings() == 1);
  CHECK(f.warmer.scratch_publications() == 0);
}

TEST_CASE("hot-path warmer: the books' warm() finds every symbol and changes nothing",
          "[daemon][warmer]") {
  feeds::VenueBooks books{{{"A", -2, -2}, {"B", -2, -2}, {"C", -2, -2}}, 8, 4, nullptr};
  const feeds::LevelText bid[] = {{"1.00", "2"}};
  REQUIRE(books.set_levels(1, bid, {}, 1, 1));
  const std::uint64_t version = books.book(1).version();
  CHECK(books.warm() == 0 + 1 + 2);  // each symbol's own index
  CHECK(books.book(1).version() == version);
  CHECK(books.book(1).level_count(wirebook::book::Side::bid) == 1);
}
