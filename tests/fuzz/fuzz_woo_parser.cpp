// libFuzzer target: the WOO X parser (v2 and v3 stream frames, the v3 REST
// book) and the feed logic behind it must never crash, whatever the bytes, and
// the fast path must agree with the general path on every frame.
// Seeded from tests/fixtures/woo (tools/dev fuzz), v3 frames included.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "feeds/common/venue_books.hpp"
#include "feeds/woo/parser.hpp"
#include "feeds/woo/woo_feed.hpp"
#include "tests/woo/message_equal.hpp"

namespace {

namespace woo = wirebook::feeds::woo;
using wirebook::feed_test::Frame;

struct NullOutbox final : wirebook::feeds::Outbox {
  void send_text(std::string_view) override {}
};

struct NullRest final : wirebook::feeds::RestOutbox {
  bool get(std::string_view, std::uint64_t) override { return true; }
};

woo::WooOptions options(woo::Protocol p) {
  woo::WooOptions o;
  o.protocol = p;
  return o;
}

// The fast path (on in State's parser) must give what the general path gives
// for every frame it takes: a difference stops the fuzzer.
void check_fast_path(woo::Parser& fast, woo::Parser& general, const Frame& frame) {
  general.set_fast_path(false);
  if (!wirebook::feed_test::parsers_agree<woo::Message>(fast, general, frame,
                                                        woo_test::same_message)) {
    __builtin_trap();
  }
}

// One protocol's parser and feed over the same three books.
struct State {
  explicit State(woo::Protocol p)
      : books({{"SPOT_BTC_USDT", -2, -4}, {"PERP_BTC_USDT", -5, -2}, {"X", -8, -8}}, 64, 64,
              nullptr),
        feed(books, out, options(p), &rest),
        parser(64, 1 << 20, p) {
    feed.on_connected(1);
  }
  NullOutbox out;
  NullRest rest;
  wirebook::feeds::VenueBooks books;
  woo::WooFeed feed;
  woo::Parser parser;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static State v2(woo::Protocol::v2);
  static State v3(woo::Protocol::v3);
  static std::vector<char> buf;
  buf.assign(size + 64, '\0');
  if (size != 0) std::memcpy(buf.data(), data, size);
  woo::Message m;
  for (State* st : {&v2, &v3}) (void)st->feed.on_frame(buf.data(), size, buf.size(), 1, 2);
  static woo::Parser general_v2(64, 1 << 20, woo::Protocol::v2);
  static woo::Parser general_v3(64, 1 << 20, woo::Protocol::v3);
  const Frame frame(std::string_view(buf.data(), size));
  check_fast_path(v2.parser, general_v2, frame);
  check_fast_path(v3.parser, general_v3, frame);
  // The same bytes as a REST book reply (the first byte picks the book).
  (void)v3.parser.parse_rest_book(buf.data(), size, buf.size(), m);
  const std::uint64_t tag = size != 0 ? data[0] % 4U : 0U;
  v3.feed.on_rest_reply(tag, 200, buf.data(), size, buf.size(), 1, 2);
  return 0;
}
