#include "feeds/pulse/fast_book.hpp"

#include <cstdint>
#include <string_view>

#include "feeds/common/json_cursor.hpp"

namespace wirebook::feeds::pulse {
namespace {

using json::Cursor;

// What a notification's scan collects.
struct Book {
  std::string_view channel;
  std::string_view instrument;  // from the channel
  BookType type = BookType::none;
  std::int64_t timestamp = 0;
  std::int64_t change_id = 0;
  std::int64_t prev_change_id = 0;
  bool has_prev_change_id = false;
  std::size_t nb = 0;
  std::size_t na = 0;
};

// `{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.X.Y","data":`
bool envelope(Cursor& c, Book& b) noexcept {
  if (!c.take('{') || !c.key("\"jsonrpc\"") || !c.same_string("2.0") || !c.take(',') ||
      !c.key("\"method\"") || !c.same_string("subscription") || !c.take(',') ||
      !c.key("\"params\"") || !c.take('{') || !c.key("\"channel\"") || !c.plain_string(b.channel) ||
      !b.channel.starts_with("book.")) {
    return false;
  }
  b.instrument = channel_instrument(b.channel);
  return !b.instrument.empty() && c.take(',') && c.key("\"data\"");
}

bool book_type(Cursor& c, BookType& type) noexcept {
  if (c.literal("\"change\"")) {
    type = BookType::change;
  } else if (c.literal("\"snapshot\"")) {
    type = BookType::snapshot;
  } else {
    return false;
  }
  return true;
}

// One entry: ["new"|"change"|"delete", price, amount] or [price, amount] (a
// number first). A delete's amount is read and then means zero.
[[gnu::always_inline]] inline bool entry(Cursor& c, LevelText& level) noexcept {
  if (!c.take('[')) return false;
  if (!c.peek('"')) {
    return c.number(level.px) && c.take(',') && c.level_value(level.qty) && c.take(']');
  }
  const bool is_delete = c.literal("\"delete\"");
  if (!is_delete && !c.literal("\"new\"") && !c.literal("\"change\"")) return false;
  if (!c.take(',') || !c.level_value(level.px) || !c.take(',') || !c.level_value(level.qty) ||
      !c.take(']')) {
    return false;
  }
  if (is_delete) level.qty = "0";
  return true;
}

// Out of line: inlined twice (bids, asks) the scan measured slower.
[[gnu::noinline]] bool entries(Cursor& c, LevelText* out, std::size_t max,
                               std::size_t& n) noexcept {
  return c.elements(max, n, [&](std::size_t k) { return entry(c, out[k]); });
}

// `data`: type, change_id (both required), timestamp, prev_change_id (or
// null), instrument_name (the channel's), bids, asks, each at most once, in
// any order. Any other key is left to the general path.
bool data(Cursor& c, LevelText* bids, LevelText* asks, std::size_t max_levels, Book& b) noexcept {
  const auto prev_change_id = [&] {
    b.has_prev_change_id = !c.literal("null");
    return !b.has_prev_change_id || c.positive_int(b.prev_change_id);
  };
  const auto member = [&](char initial) -> unsigned {
    switch (initial) {
      case 't':
        if (c.key("\"type\"")) return book_type(c, b.type) ? 1 : 0;
        return c.key("\"timestamp\"") && c.positive_int(b.timestamp) ? 16 : 0;
      case 'c':
        return c.key("\"change_id\"") && c.positive_int(b.change_id) ? 2 : 0;
      case 'b':
        return c.key("\"bids\"") && entries(c, bids, max_levels, b.nb) ? 4 : 0;
      case 'a':
        return c.key("\"asks\"") && entries(c, asks, max_levels, b.na) ? 8 : 0;
      case 'p':
        return c.key("\"prev_change_id\"") && prev_change_id() ? 32 : 0;
      case 'i':
        return c.key("\"instrument_name\"") && c.same_string(b.instrument) ? 64 : 0;
      default:
        return 0;
    }
  };
  unsigned seen = 0;
  return c.members_once(member, seen) && (seen & 3U) == 3U;  // type and change_id
}

}  // namespace

bool scan_book_notification(const char* data_begin, std::size_t len, LevelText* bids,
                            LevelText* asks, std::size_t max_levels, Message& out) noexcept {
  Cursor c(data_begin, len);
  Book b;
  if (!envelope(c, b) || !data(c, bids, asks, max_levels, b) || !c.take('}') || !c.take('}') ||
      !c.at_end()) {
    return false;
  }
  out = Message{};
  out.kind = MsgKind::book;
  out.channel = b.channel;
  out.instrument = b.instrument;
  out.type = b.type;
  out.change_id = b.change_id;
  out.has_change_id = true;
  out.prev_change_id = b.prev_change_id;
  out.has_prev_change_id = b.has_prev_change_id;
  out.timestamp_ms = b.timestamp;
  out.bids = {bids, b.nb};
  out.asks = {asks, b.na};
  return true;
}

}  // namespace wirebook::feeds::pulse
