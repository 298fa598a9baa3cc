#include "feeds/o2/fast_book.hpp"

#include <cstdint>
#include <string_view>

#include "feeds/common/json_cursor.hpp"

namespace wirebook::feeds::o2 {
namespace {

using json::Cursor;

// {"price":px,"size":qty}, each once in either order, neither empty (the
// general path refuses an empty one).
bool price_size(Cursor& c, LevelText& level) noexcept {
  const auto member = [&](char initial) -> unsigned {
    switch (initial) {
      case 'p':
        return c.key("\"price\"") && c.level_value(level.px) && !level.px.empty() ? 1 : 0;
      case 's':
        return c.key("\"size\"") && c.level_value(level.qty) && !level.qty.empty() ? 2 : 0;
      default:
        return 0;
    }
  };
  unsigned seen = 0;
  return c.members_once(member, seen) && seen == 3;
}

// Out of line: inlined twice (bids, asks) the scan would double in size.
[[gnu::noinline]] bool levels(Cursor& c, LevelText* out, std::size_t max, std::size_t& n) noexcept {
  return c.elements(
      max, n, [&](std::size_t k) { return c.peek('{') ? price_size(c, out[k]) : c.pair(out[k]); });
}

bool book_type(Cursor& c, BookType& type) noexcept {
  if (c.literal("\"delta\"") || c.literal("\"update\"")) {
    type = BookType::delta;
  } else if (c.literal("\"snapshot\"")) {
    type = BookType::snapshot;
  } else {
    return false;
  }
  return true;
}

// `data`: bids and asks, each at most once, in either order.
bool data(Cursor& c, LevelText* bids, LevelText* asks, std::size_t max_levels,
          Message& m) noexcept {
  std::size_t nb = 0;
  std::size_t na = 0;
  const auto member = [&](char initial) -> unsigned {
    switch (initial) {
      case 'b':
        return c.key("\"bids\"") && levels(c, bids, max_levels, nb) ? 1 : 0;
      case 'a':
        return c.key("\"asks\"") && levels(c, asks, max_levels, na) ? 2 : 0;
      default:
        return 0;
    }
  };
  unsigned seen = 0;
  if (!c.members_once(member, seen)) return false;
  m.bids = {bids, nb};
  m.asks = {asks, na};
  return true;
}

}  // namespace

bool scan_book_frame(const char* text, std::size_t len, LevelText* bids, LevelText* asks,
                     std::size_t max_levels, Message& out) noexcept {
  Cursor c(text, len);
  Message m;
  const auto member = [&](char initial) -> unsigned {
    switch (initial) {
      case 'c':
        return c.key("\"channel\"") && c.plain_string(m.channel) && m.channel == "order_book" ? 1
                                                                                              : 0;
      case 'm':
        m.has_market_id = c.key("\"market_id\"") && c.positive_int(m.market_id);
        return m.has_market_id ? 2 : 0;
      case 't':
        if (c.key("\"type\"")) return book_type(c, m.type) ? 4 : 0;
        return c.key("\"ts\"") && c.positive_int(m.ts_ms) ? 8 : 0;
      case 's':
        m.has_seq = c.key("\"seq\"") && c.positive_int(m.seq);
        return m.has_seq ? 16 : 0;
      case 'p':
        m.has_prev_seq = c.key("\"prev_seq\"") && c.positive_int(m.prev_seq);
        return m.has_prev_seq ? 32 : 0;
      case 'd':
        return c.key("\"data\"") && data(c, bids, asks, max_levels, m) ? 64 : 0;
      default:
        return 0;
    }
  };
  constexpr unsigned kRequired = 1 | 2 | 4 | 64;  // channel, market_id, type, data
  unsigned seen = 0;
  if (!c.members_once(member, seen) || (seen & kRequired) != kRequired || !c.at_end()) {
    return false;
  }
  m.kind = MsgKind::book;
  out = m;
  return true;
}

}  // namespace wirebook::feeds::o2
