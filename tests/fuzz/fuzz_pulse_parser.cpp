// libFuzzer target: the Pulse parser and the feed logic behind it must never
// crash, whatever the bytes, and the book notification's fast path must agree
// with the general path on every frame. Seeded from tests/fixtures/pulse
// (tools/dev fuzz).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "feeds/common/venue_books.hpp"
#include "feeds/pulse/parser.hpp"
#include "feeds/pulse/pulse_feed.hpp"
#include "tests/pulse/message_equal.hpp"

namespace {

struct NullOutbox final : wirebook::feeds::Outbox {
  void send_text(std::string_view) override {}
};

struct State {
  State()
      : books(
            {{"BTC-PERPETUAL", -1, 0}, {"NVDA_USDC-PERPETUAL", -2, -2}, {"ETH-PERPETUAL", -8, -8}},
            64, 64, nullptr),
        feed(books, out, wirebook::feeds::pulse::PulseOptions{}) {
    feed.on_connected(1);
  }
  NullOutbox out;
  wirebook::feeds::VenueBooks books;
  wirebook::feeds::pulse::PulseFeed feed;
  wirebook::feeds::pulse::Parser parser{64, 1 << 20};
  std::vector<char> buf;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static State st;
  st.buf.assign(size + 64, '\0');
  if (size != 0) std::memcpy(st.buf.data(), data, size);
  // The fast path (on in State's parser) must give what the general path gives.
  static wirebook::feeds::pulse::Parser general{64, 1 << 20};
  general.set_fast_path(false);
  if (!wirebook::feed_test::parsers_agree<wirebook::feeds::pulse::Message>(
          st.parser, general, wirebook::feed_test::Frame(std::string_view(st.buf.data(), size)),
          pulse_test::same_message)) {
    __builtin_trap();
  }
  (void)st.feed.on_frame(st.buf.data(), size, st.buf.size(), 1, 2);
  return 0;
}
