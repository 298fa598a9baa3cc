// libFuzzer target: the OCX event parser and the feed logic behind it must
// never crash, whatever the bytes. The input is an SSE byte stream (so the
// SSE parser feeds the OCX feed as the session does) sent, by its first
// byte, to one of two market streams or to the private user stream
// (positions, fills); REST drift-check replies take the same bytes. Seeded
// from tests/fuzz/corpus/ocx.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "feeds/common/sse_parser.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/ocx/ocx_feed.hpp"

namespace {

using wirebook::feeds::SseEvent;
using wirebook::feeds::SseSink;

// Accepts every GET; the fuzz input is then handed over as its reply.
struct AnyRest final : wirebook::feeds::RestOutbox {
  bool get(std::string_view, std::uint64_t) override { return true; }
};

wirebook::feeds::ocx::OcxOptions fuzz_options() {
  wirebook::feeds::ocx::OcxOptions o;
  o.api_key = "fuzz";  // the user stream is stream 2
  o.rest_check_interval_ns = 1'000'000;
  return o;
}

struct State final : SseSink {
  State()
      : books({{"BTC-PERP", -2, -4}, {"ETH-PERP", -8, -8}}, 64, 64, nullptr),
        feed(books, fuzz_options(), &rest) {
    feed.on_stream_open(0, now);
    feed.on_stream_open(1, now);
    feed.on_stream_open(2, now);
  }
  bool on_event(const SseEvent& e) noexcept override {
    now += 1'000'000;
    if (feed.on_event(stream, e, now, now) == wirebook::feeds::FeedAction::reconnect) {
      feed.on_stream_close(stream, now);
      feed.on_stream_open(stream, now);
    }
    (void)feed.on_timer(now);
    return true;
  }
  void on_comment(std::string_view) noexcept override { feed.on_comment(stream); }
  AnyRest rest;
  wirebook::feeds::VenueBooks books;
  wirebook::feeds::ocx::OcxFeed feed;
  wirebook::feeds::SseParser sse{{.max_line_bytes = 1U << 16U, .max_event_bytes = 1U << 16U}};
  std::size_t stream = 0;
  std::int64_t now = 1;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static State s;
  if (size == 0) return 0;
  s.stream = data[0] % 3U;
  s.sse.reset();
  (void)s.sse.feed(reinterpret_cast<const char*>(data) + 1, size - 1, s);
  // The same bytes as a REST order book reply (padded, as the worker hands it over).
  std::vector<char> reply(size - 1 + simdjson::SIMDJSON_PADDING);
  std::copy(data + 1, data + size, reply.begin());
  s.feed.on_rest_reply(data[0] & 1U, 200, reply.data(), size - 1, reply.size(), s.now, s.now);
  return 0;
}
