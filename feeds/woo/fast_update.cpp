#include "feeds/woo/fast_update.hpp"

#include <cstdint>
#include <string_view>

#include "feeds/common/json_cursor.hpp"

namespace wirebook::feeds::woo {
namespace {

using json::Cursor;

constexpr std::string_view kUpdateTopic = "orderbookupdate";

// "SYM@orderbookupdate" with exactly one '@' and a non-empty symbol.
bool v2_update_topic(std::string_view topic, std::string_view& symbol) noexcept {
  const auto at = topic.find('@');
  if (at == 0 || at == std::string_view::npos || topic.substr(at + 1) != kUpdateTopic) {
    return false;
  }
  symbol = topic.substr(0, at);
  return true;
}

// v3 "orderbookupdate@SYM" or "orderbookupdate@SYM@DEPTH" (digits), SYM non-empty.
bool v3_update_topic(std::string_view topic, std::string_view& symbol) noexcept {
  if (!topic.starts_with(kUpdateTopic) || topic.substr(kUpdateTopic.size(), 1) != "@") {
    return false;
  }
  const std::string_view rest = topic.substr(kUpdateTopic.size() + 1);
  const auto at = rest.find('@');
  symbol = rest.substr(0, at);
  if (symbol.empty()) return false;
  if (at == std::string_view::npos) return true;
  const std::string_view depth = rest.substr(at + 1);
  return !depth.empty() && depth.find_first_not_of("0123456789") == std::string_view::npos;
}

// What a delta's scan collects, for either protocol.
struct Update {
  std::string_view symbol;
  std::int64_t ts = 0;  // the envelope's
  std::int64_t prev_ts = 0;
  std::int64_t data_ts = 0;  // v3 data.ts
  std::size_t na = 0;
  std::size_t nb = 0;
};

// `{"topic":"...","ts":T,"data":` of either protocol, the topic's symbol read
// by `SymbolOf`.
template <bool (*SymbolOf)(std::string_view, std::string_view&)>
[[gnu::always_inline]] inline bool envelope(Cursor& c, Update& u) noexcept {
  std::string_view topic;
  return c.take('{') && c.key("\"topic\"") && c.plain_string(topic) && SymbolOf(topic, u.symbol) &&
         c.take(',') && c.key("\"ts\"") && c.positive_int(u.ts) && c.take(',') && c.key("\"data\"");
}

// v2 `data`: symbol, prevTs, asks, bids in the documented order.
[[gnu::always_inline]] inline bool v2_data(Cursor& c, LevelText* bids, LevelText* asks,
                                           std::size_t max_levels, Update& u) noexcept {
  return c.take('{') && c.key("\"symbol\"") && c.same_string(u.symbol) && c.take(',') &&
         c.key("\"prevTs\"") && c.positive_int(u.prev_ts) && c.take(',') && c.key("\"asks\"") &&
         c.levels(asks, max_levels, u.na) && c.take(',') && c.key("\"bids\"") &&
         c.levels(bids, max_levels, u.nb) && c.take('}');
}

// v3 `data`: s, prevTs, ts, asks and bids, each once, in any order (the
// documented order and the venue's real one differ, PROTOCOLS §1.9); any
// other key is left to the general path.
[[gnu::always_inline]] inline bool v3_data(Cursor& c, LevelText* bids, LevelText* asks,
                                           std::size_t max_levels, Update& u) noexcept {
  unsigned seen = 0;
  const auto member = [&](char initial) -> unsigned {
    switch (initial) {  // the five keys' initials differ
      case 's':
        return c.key("\"s\"") && c.same_string(u.symbol) ? 1 : 0;
      case 'p':
        return c.key("\"prevTs\"") && c.positive_int(u.prev_ts) ? 2 : 0;
      case 't':
        return c.key("\"ts\"") && c.positive_int(u.data_ts) ? 4 : 0;
      case 'a':
        return c.key("\"asks\"") && c.levels(asks, max_levels, u.na) ? 8 : 0;
      case 'b':
        return c.key("\"bids\"") && c.levels(bids, max_levels, u.nb) ? 16 : 0;
      default:
        return 0;
    }
  };
  return c.members_once(member, seen) && seen == 31;
}

// The Message the general path makes of the delta.
void fill(const Update& u, bool v3, LevelText* bids, LevelText* asks, Message& out) noexcept {
  out = Message{};
  out.kind = MsgKind::book_update;
  out.symbol = u.symbol;
  out.ts_ms = u.ts;
  out.prev_ts_ms = u.prev_ts;
  out.has_prev_ts = true;
  out.data_ts_ms = u.data_ts;
  out.has_data_ts = v3;
  out.bids = {bids, u.nb};
  out.asks = {asks, u.na};
}

}  // namespace

bool scan_v2_update(const char* data, std::size_t len, LevelText* bids, LevelText* asks,
                    std::size_t max_levels, Message& out) noexcept {
  Cursor c(data, len);
  Update u;
  if (!envelope<v2_update_topic>(c, u) || !v2_data(c, bids, asks, max_levels, u) || !c.take('}') ||
      !c.at_end()) {
    return false;
  }
  fill(u, false, bids, asks, out);
  return true;
}

bool scan_v3_update(const char* data, std::size_t len, LevelText* bids, LevelText* asks,
                    std::size_t max_levels, Message& out) noexcept {
  Cursor c(data, len);
  Update u;
  if (!envelope<v3_update_topic>(c, u) || !v3_data(c, bids, asks, max_levels, u) || !c.take('}') ||
      !c.at_end()) {
    return false;
  }
  fill(u, true, bids, asks, out);
  return true;
}

}  // namespace wirebook::feeds::woo
