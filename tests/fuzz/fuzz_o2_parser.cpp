// libFuzzer target: the O2 parser (WebSocket frames and REST order-book
// replies) and the feed logic behind it must never crash, whatever the bytes,
// and the book frame's fast path must agree with the general path.
// Seeded from tests/fixtures/o2 (tools/dev fuzz: corpus tests/fuzz/corpus/o2).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "feeds/common/venue_books.hpp"
#include "feeds/o2/o2_feed.hpp"
#include "feeds/o2/parser.hpp"
#include "tests/o2/message_equal.hpp"

namespace {

struct NullOutbox final : wirebook::feeds::Outbox {
  void send_text(std::string_view) override {}
};

struct NullRest final : wirebook::feeds::RestOutbox {
  bool get(std::string_view, std::uint64_t) override { return true; }
};

wirebook::feeds::o2::O2Options options() {
  wirebook::feeds::o2::O2Options o;
  o.market_ids = {1, 2, 7};
  o.trades = o.ticker = true;
  return o;
}

struct State {
  State()
      : books({{"BTC-USD", -1, -3}, {"ETH-USD", -2, -2}, {"SOL-USD", -8, -8}}, 64, 64, nullptr),
        feed(books, out, options(), &rest) {
    feed.on_connected(1);
  }
  NullOutbox out;
  NullRest rest;
  wirebook::feeds::VenueBooks books;
  wirebook::feeds::o2::O2Feed feed;
  wirebook::feeds::o2::Parser parser{64, 1 << 20};
  std::vector<char> buf;
  std::int64_t mono = 2;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static State st;
  st.buf.assign(size + 64, '\0');
  if (size != 0) std::memcpy(st.buf.data(), data, size);
  wirebook::feeds::o2::Message m;
  // The fast path (on in State's parser) must give what the general path gives.
  static wirebook::feeds::o2::Parser general{64, 1 << 20};
  general.set_fast_path(false);
  if (!wirebook::feed_test::parsers_agree<wirebook::feeds::o2::Message>(
          st.parser, general, wirebook::feed_test::Frame(std::string_view(st.buf.data(), size)),
          o2_test::same_message)) {
    __builtin_trap();
  }
  (void)st.parser.parse_rest_book(st.buf.data(), size, st.buf.size(), m);
  st.mono += 1'000'000;
  (void)st.feed.on_frame(st.buf.data(), size, st.buf.size(), 1, st.mono);
  // The same bytes as a REST reply to a snapshot and to a cross-check request.
  const std::uint64_t market = size % 3;
  st.feed.on_rest_reply((2ULL << 32U) | market, 200, st.buf.data(), size, st.buf.size(), 1,
                        st.mono);
  st.feed.on_rest_reply((1ULL << 32U) | market, 200, st.buf.data(), size, st.buf.size(), 1,
                        st.mono);
  if (size % 7 == 0) (void)st.feed.on_timer(st.mono + 20'000'000'000);
  return 0;
}
