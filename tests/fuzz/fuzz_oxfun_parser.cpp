// libFuzzer target: the OX.FUN parser and the feed logic behind it must never
// crash, whatever the bytes. Seeded from tests/fixtures/oxfun (tools/dev fuzz).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "feeds/common/venue_books.hpp"
#include "feeds/oxfun/oxfun_feed.hpp"
#include "feeds/oxfun/parser.hpp"

namespace {

struct NullOutbox final : wirebook::feeds::Outbox {
  void send_text(std::string_view) override {}
};

wirebook::feeds::oxfun::OxfunOptions options() {
  wirebook::feeds::oxfun::OxfunOptions o;
  o.depth_check = true;  // the drift comparison runs on fuzzed depth pushes too
  o.trades = o.bbo = o.positions = true;
  o.api_key = "k";
  o.api_secret = "s";
  return o;
}

struct State {
  State()
      : books({{"BTC-USD-SWAP-LIN", -1, -3}, {"ETH-USD-SWAP-LIN", -2, -2}, {"X", -8, -8}}, 64, 64,
              nullptr),
        feed(books, out, options()) {
    feed.on_connected(1);
  }
  NullOutbox out;
  wirebook::feeds::VenueBooks books;
  wirebook::feeds::oxfun::OxfunFeed feed;
  wirebook::feeds::oxfun::Parser parser{64, 1 << 20};
  std::vector<char> buf;
  std::int64_t now = 2;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static State st;
  st.buf.assign(size + 64, '\0');
  if (size != 0) std::memcpy(st.buf.data(), data, size);
  wirebook::feeds::oxfun::Message m;
  (void)st.parser.parse(st.buf.data(), size, st.buf.size(), m);
  st.now += 50'000'000;
  (void)st.feed.on_frame(st.buf.data(), size, st.buf.size(), st.now, st.now);
  (void)st.feed.on_timer(st.now);
  return 0;
}
