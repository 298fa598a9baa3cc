// The Server-Sent Events parser: a recorded OCX-shaped event sequence split at
// every position, line-end variants, multi-line data, comments, retry, ids and
// the size bounds.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "feeds/common/sse_parser.hpp"

using wirebook::feeds::kSsePadding;
using wirebook::feeds::SseEvent;
using wirebook::feeds::SseLimits;
using wirebook::feeds::SseParser;
using wirebook::feeds::SseSink;
using wirebook::feeds::SseStatus;

namespace {

struct Seen {
  std::string type;
  std::string id;
  std::string data;
  bool operator==(const Seen&) const = default;
};

struct Recorder final : SseSink {
  bool on_event(const SseEvent& e) noexcept override {
    // The data is contiguous and followed by zeroed padding a JSON parser may read.
    padded = padded && e.capacity >= e.len + kSsePadding;
    for (std::size_t i = e.len; i < e.len + kSsePadding; ++i) padded = padded && e.data[i] == 0;
    events.push_back({std::string(e.type), std::string(e.id), std::string(e.data, e.len)});
    own_ids.push_back(e.id_in_event);
    return !stop_after_first;
  }
  void on_comment(std::string_view text) noexcept override { comments.emplace_back(text); }
  std::vector<Seen> events;
  std::vector<bool> own_ids;  // per event: its own lines set the id
  std::vector<std::string> comments;
  bool padded = true;
  bool stop_after_first = false;
};

// A book stream as the OCX docs describe it (PROTOCOLS.md §5): a heartbeat
// comment, retry, a snapshot, an update whose JSON spans two data lines, an
// event with no data (discarded), a field without a colon, an unknown field,
// and an unnamed event.
const std::string kRecorded =
    ":heartbeat\n"
    "retry: 3000\n"
    "event: snapshot\n"
    "id: 7\n"
    "data: {\"eventId\":\"book-7-1\",\"eventType\":\"snapshot\",\"eventSeq\":7,"
    "\"payload\":{\"bids\":[{\"price\":\"100.5\",\"size\":\"2\",\"total\":\"2\"}],\"asks\":[]}}\n"
    "\n"
    "event: update\n"
    "id: 8\n"
    "data: {\"eventSeq\":8,\n"
    "data:\"payload\":{}}\n"
    "\n"
    "event: ignored-no-data\n"
    "id\n"
    "\n"
    "foo: bar\n"
    "data:plain\n"
    "data\n"
    "\n"
    ": second comment\n";

const std::vector<Seen> kExpected = {
    {"snapshot", "7",
     "{\"eventId\":\"book-7-1\",\"eventType\":\"snapshot\",\"eventSeq\":7,"
     "\"payload\":{\"bids\":[{\"price\":\"100.5\",\"size\":\"2\",\"total\":\"2\"}],\"asks\":[]}}"},
    {"update", "8", "{\"eventSeq\":8,\n\"payload\":{}}"},
    {"message", "", "plain\n"},
};
const std::vector<std::string> kComments = {"heartbeat", " second comment"};

std::string with_line_end(const std::string& lf_text, const std::string& eol) {
  std::string out;
  for (const char c : lf_text) {
    if (c == '\n') {
      out += eol;
    } else {
      out += c;
    }
  }
  return out;
}

void check_every_split(const std::string& text) {
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    SseParser parser;
    Recorder rec;
    INFO("split at " << cut);
    REQUIRE(parser.feed(text.data(), cut, rec) == SseStatus::ok);
    REQUIRE(parser.feed(text.data() + cut, text.size() - cut, rec) == SseStatus::ok);
    CHECK(rec.events == kExpected);
    CHECK(rec.comments == kComments);
    CHECK(rec.padded);
    CHECK(parser.retry_ms() == 3000);
  }
}

}  // namespace

TEST_CASE("sse: a recorded stream gives the same events split at every position", "[sse]") {
  SECTION("LF") {
    check_every_split(kRecorded);
  }
  SECTION("CRLF") {
    check_every_split(with_line_end(kRecorded, "\r\n"));
  }
  SECTION("CR") {
    check_every_split(with_line_end(kRecorded, "\r"));
  }
}

TEST_CASE("sse: a recorded stream fed one byte at a time gives the same events", "[sse]") {
  for (const char* eol : {"\n", "\r\n", "\r"}) {
    const std::string text = with_line_end(kRecorded, eol);
    SseParser parser;
    Recorder rec;
    for (const char& c : text) REQUIRE(parser.feed(&c, 1, rec) == SseStatus::ok);
    CHECK(rec.events == kExpected);
    CHECK(rec.comments == kComments);
    CHECK(parser.events() == 3);
    CHECK(parser.comments() == 2);
  }
}

TEST_CASE("sse: every split into three chunks gives the same events", "[sse]") {
  const std::string text = with_line_end(kRecorded, "\r\n");
  for (std::size_t a = 0; a <= text.size(); a += 7) {
    for (std::size_t b = a; b <= text.size(); ++b) {
      SseParser parser;
      Recorder rec;
      REQUIRE(parser.feed(text.data(), a, rec) == SseStatus::ok);
      REQUIRE(parser.feed(text.data() + a, b - a, rec) == SseStatus::ok);
      REQUIRE(parser.feed(text.data() + b, text.size() - b, rec) == SseStatus::ok);
      INFO("cuts " << a << ", " << b);
      REQUIRE(rec.events == kExpected);
    }
  }
}

TEST_CASE("sse: the id is kept across events until the stream sets another", "[sse]") {
  const std::string text = "id: 41\ndata: a\n\ndata: b\n\nid:\ndata: c\n\n";
  SseParser parser;
  Recorder rec;
  REQUIRE(parser.feed(text.data(), text.size(), rec) == SseStatus::ok);
  REQUIRE(rec.events.size() == 3);
  CHECK(rec.events[0].id == "41");
  CHECK(rec.events[1].id == "41");
  CHECK(rec.events[2].id.empty());
  CHECK(rec.own_ids == std::vector<bool>{true, false, true});
  CHECK(parser.last_event_id().empty());
}

TEST_CASE("sse: a retry that is not all digits is ignored", "[sse]") {
  const std::string text = "retry: 250\nretry: 12x\nretry:\n";
  SseParser parser;
  Recorder rec;
  REQUIRE(parser.feed(text.data(), text.size(), rec) == SseStatus::ok);
  CHECK(parser.retry_ms() == 250);
}

TEST_CASE("sse: a line over the limit is an error, split or not", "[sse]") {
  SseParser parser(SseLimits{.max_line_bytes = 16, .max_event_bytes = 1024});
  Recorder rec;
  const std::string ok = "data: 0123456789\n\n";  // 16 bytes: at the limit
  REQUIRE(parser.feed(ok.data(), ok.size(), rec) == SseStatus::ok);
  CHECK(rec.events.size() == 1);
  const std::string long_line = "data: 01234567890\n\n";
  SECTION("in one chunk") {
    CHECK(parser.feed(long_line.data(), long_line.size(), rec) == SseStatus::line_too_long);
  }
  SECTION("split") {
    REQUIRE(parser.feed(long_line.data(), 10, rec) == SseStatus::ok);
    CHECK(parser.feed(long_line.data() + 10, long_line.size() - 10, rec) ==
          SseStatus::line_too_long);
  }
  SECTION("unterminated") {
    CHECK(parser.feed(long_line.data(), 17, rec) == SseStatus::line_too_long);
  }
  // The error sticks until reset; then a new stream parses again.
  CHECK(parser.feed(ok.data(), ok.size(), rec) == SseStatus::line_too_long);
  CHECK(rec.events.size() == 1);
  parser.reset();
  CHECK(parser.feed(ok.data(), ok.size(), rec) == SseStatus::ok);
  CHECK(rec.events.size() == 2);
}

TEST_CASE("sse: an event whose data grows over the limit is an error", "[sse]") {
  SseParser parser(SseLimits{.max_line_bytes = 64, .max_event_bytes = 20});
  Recorder rec;
  const std::string text = "data: 0123456789\ndata: 0123456789\n\n";  // 21 bytes joined
  CHECK(parser.feed(text.data(), text.size(), rec) == SseStatus::event_too_big);
  CHECK(rec.events.empty());
  parser.reset();
  const std::string fits = "data: 0123456789\ndata: 012345678\n\n";  // 20 bytes
  CHECK(parser.feed(fits.data(), fits.size(), rec) == SseStatus::ok);
  CHECK(rec.events.size() == 1);
}

TEST_CASE("sse: a large event grows the buffer and stays padded", "[sse]") {
  SseParser parser;
  Recorder rec;
  const std::string big(100'000, 'x');
  const std::string text = "data: " + big + "\n\n";
  REQUIRE(parser.feed(text.data(), text.size(), rec) == SseStatus::ok);
  REQUIRE(rec.events.size() == 1);
  CHECK(rec.events[0].data == big);
  CHECK(rec.padded);
}

TEST_CASE("sse: a sink that stops ends the feed at that event", "[sse]") {
  const std::string text = "data: a\n\ndata: b\n\n";
  SseParser parser;
  Recorder rec;
  rec.stop_after_first = true;
  CHECK(parser.feed(text.data(), text.size(), rec) == SseStatus::stopped);
  CHECK(rec.events.size() == 1);
  parser.reset();
  rec.stop_after_first = false;
  CHECK(parser.feed(text.data(), text.size(), rec) == SseStatus::ok);
  CHECK(rec.events.size() == 3);
}
