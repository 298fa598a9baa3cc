#include "feeds/ocx/parser.hpp"

#include <simdjson.h>

#include "feeds/common/json_text.hpp"

namespace wirebook::feeds::ocx {
namespace od = simdjson::ondemand;

struct Parser::Json {
  explicit Json(std::size_t max_event) : parser(max_event) {}
  od::parser parser;
};

struct Parser::Scratch {
  explicit Scratch(std::size_t max)
      : max(max),
        bids(std::make_unique<LevelText[]>(max)),
        asks(std::make_unique<LevelText[]>(max)) {}
  void reset() noexcept {
    n_bids = n_asks = 0;
    has_bids = has_asks = false;
  }
  std::size_t max;
  std::unique_ptr<LevelText[]> bids;
  std::unique_ptr<LevelText[]> asks;
  std::size_t n_bids = 0, n_asks = 0;
  bool has_bids = false, has_asks = false;
  // The user stream's items (Parser::kMaxUserItems each).
  std::unique_ptr<PositionFields[]> positions =
      std::make_unique<PositionFields[]>(Parser::kMaxUserItems);
  std::unique_ptr<FillFields[]> fills = std::make_unique<FillFields[]>(Parser::kMaxUserItems);
};

MsgKind kind_of(std::string_view event_name) noexcept {
  if (event_name == "snapshot") return MsgKind::snapshot;
  if (event_name == "update" || event_name == "delta") return MsgKind::delta;
  if (event_name == "error") return MsgKind::error;
  return MsgKind::other;
}

UserKind user_kind_of(std::string_view event_name) noexcept {
  if (event_name == "position" || event_name == "positions") return UserKind::position;
  if (event_name == "fill" || event_name == "fills") return UserKind::fill;
  if (event_name == "error") return UserKind::error;
  return UserKind::other;
}

namespace {

// A REST level `["price", "size"]` (GET /perps/orderbook).
bool read_pair(od::array arr, LevelText& out) noexcept {
  std::size_t n = 0;
  for (auto e : arr) {
    od::value v;
    if (e.get(v) != simdjson::SUCCESS || n >= 2) return false;
    if (!json::number_text(v, n == 0 ? out.px : out.qty)) return false;
    ++n;
  }
  return n == 2;
}

// One stream level `{price, size, total}` (`total` and unknown fields are
// skipped), or with `rest` a REST `[price, size]` pair.
bool read_level(od::value v, bool rest, LevelText& out) noexcept {
  out = LevelText{};
  if (rest) {
    od::array pair;
    return v.get_array().get(pair) == simdjson::SUCCESS && read_pair(pair, out);
  }
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return false;
  for (auto f : obj) {
    std::string_view k;
    od::value fv;
    if (!json::key(f, k) || f.value().get(fv) != simdjson::SUCCESS) return false;
    if (k == "price" && !json::number_text(fv, out.px)) return false;
    if (k == "size" && !json::number_text(fv, out.qty)) return false;
  }
  return !out.px.empty() && !out.qty.empty();
}

ParseStatus read_levels(od::value v, bool rest, LevelText* out, std::size_t max,
                        std::size_t& n) noexcept {
  od::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return ParseStatus::malformed;
  n = 0;
  for (auto e : arr) {
    od::value ev;
    if (e.get(ev) != simdjson::SUCCESS) return ParseStatus::malformed;
    if (n >= max) return ParseStatus::too_many_levels;
    if (!read_level(ev, rest, out[n])) return ParseStatus::malformed;
    ++n;
  }
  return ParseStatus::ok;
}

bool read_bool(od::value v, bool& out) noexcept {
  if (v.get_bool().get(out) == simdjson::SUCCESS) return true;
  std::string_view s;  // tolerate "true"/"false" strings
  if (!json::string(v, s)) return false;
  out = s == "true";
  return s == "true" || s == "false";
}

// Error fields, at the top level or in the payload. True when `k` was one.
template <class Out>
bool error_field(std::string_view k, od::value v, Out& out, bool& ok) noexcept {
  if (k == "code") {
    ok = json::number_text(v, out.code);
  } else if (k == "message") {
    ok = json::string(v, out.message);
  } else if (k == "retryable") {
    ok = read_bool(v, out.retryable);
  } else {
    return false;
  }
  return true;
}

}  // namespace

Parser::Parser(std::size_t max_levels, std::size_t max_event)
    : json_(std::make_unique<Json>(max_event)),
      s_(std::make_unique<Scratch>(max_levels == 0 ? 1 : max_levels)) {
  json::preallocate(json_->parser, max_event);
}

Parser::~Parser() = default;

void Parser::warm() const noexcept {
  shm::prefetch_for_write(this, sizeof *this);
  shm::prefetch_for_write(s_.get(), sizeof(Scratch));
  warm_level_texts(s_->bids.get(), s_->asks.get(), s_->max);
}

namespace {

// A book payload (or, with `rest`, a REST book) into the scratch arrays.
ParseStatus read_payload(od::object p, bool rest, Message& out, LevelText* bids, LevelText* asks,
                         std::size_t max, std::size_t& nb, std::size_t& na, bool& has_bids,
                         bool& has_asks) noexcept {
  for (auto f : p) {
    std::string_view k;
    od::value v;
    if (!json::key(f, k) || f.value().get(v) != simdjson::SUCCESS) return ParseStatus::malformed;
    ParseStatus st = ParseStatus::ok;
    bool ok = true;
    if (k == "bids") {
      st = read_levels(v, rest, bids, max, nb);
      has_bids = true;
    } else if (k == "asks") {
      st = read_levels(v, rest, asks, max, na);
      has_asks = true;
    } else if (k == "marketId") {
      ok = json::string(v, out.market);
    } else {
      (void)error_field(k, v, out, ok);
    }
    if (!ok) return ParseStatus::malformed;
    if (st != ParseStatus::ok) return st;
  }
  return ParseStatus::ok;
}

// Walks the envelope {eventId, eventType, eventSeq, engineTs, sourceTs,
// payload} (Message and UserMessage share these field names), handing the
// payload's value to `payload`.
template <class Out, class Payload>
ParseStatus read_envelope(od::object obj, Out& out, Payload&& payload) noexcept {
  for (auto field : obj) {
    std::string_view key;
    od::value v;
    if (!json::key(field, key) || field.value().get(v) != simdjson::SUCCESS) {
      return ParseStatus::malformed;
    }
    bool ok = true;
    if (key == "eventType") {
      ok = json::string(v, out.event_type);
    } else if (key == "eventId") {
      ok = json::number_text(v, out.event_id);
    } else if (key == "eventSeq") {
      ok = json::int_value(v, out.event_seq);
      out.has_event_seq = ok;
    } else if (key == "engineTs") {
      ok = json::int_value(v, out.engine_ts_ms);
    } else if (key == "payload") {
      const ParseStatus st = payload(v);
      if (st != ParseStatus::ok) return st;
    } else {
      (void)error_field(key, v, out, ok);  // sourceTs and anything new are skipped
    }
    if (!ok) return ParseStatus::malformed;
  }
  return ParseStatus::ok;
}

}  // namespace

ParseStatus Parser::parse(std::string_view sse_event, const char* data, std::size_t len,
                          std::size_t capacity, Message& out) noexcept {
  out = Message{};
  Scratch& s = *s_;
  s.reset();
  od::document doc;
  od::object obj;
  if (!json::top_object(json_->parser, data, len, capacity, doc, obj)) {
    return ParseStatus::malformed;
  }
  const ParseStatus st = read_envelope(obj, out, [&](od::value v) noexcept {
    od::object p;
    if (v.get_object().get(p) != simdjson::SUCCESS) return ParseStatus::malformed;
    return read_payload(p, false, out, s.bids.get(), s.asks.get(), s.max, s.n_bids, s.n_asks,
                        s.has_bids, s.has_asks);
  });
  if (st != ParseStatus::ok) return st;
  out.kind = kind_of(sse_event);
  if (out.kind == MsgKind::other && sse_event == "message") out.kind = kind_of(out.event_type);
  out.bids = {s.bids.get(), s.n_bids};
  out.asks = {s.asks.get(), s.n_asks};
  const bool book = out.kind == MsgKind::snapshot || out.kind == MsgKind::delta;
  if (book && (!out.has_event_seq || (!s.has_bids && !s.has_asks))) return ParseStatus::malformed;
  return ParseStatus::ok;
}

ParseStatus Parser::parse_rest_book(const char* data, std::size_t len, std::size_t capacity,
                                    Message& out) noexcept {
  out = Message{};
  Scratch& s = *s_;
  s.reset();
  od::document doc;
  od::object obj;
  if (!json::top_object(json_->parser, data, len, capacity, doc, obj)) {
    return ParseStatus::malformed;
  }
  const ParseStatus st = read_payload(obj, true, out, s.bids.get(), s.asks.get(), s.max, s.n_bids,
                                      s.n_asks, s.has_bids, s.has_asks);
  if (st != ParseStatus::ok) return st;
  if (!s.has_bids || !s.has_asks) return ParseStatus::malformed;
  out.kind = MsgKind::snapshot;
  out.bids = {s.bids.get(), s.n_bids};
  out.asks = {s.asks.get(), s.n_asks};
  return ParseStatus::ok;
}

ParseStatus Parser::parse_market_stats(const char* data, std::size_t len, std::size_t capacity,
                                       MarketStats& out) noexcept {
  out = MarketStats{};
  od::document doc;
  od::object obj;
  if (!json::top_object(json_->parser, data, len, capacity, doc, obj)) {
    return ParseStatus::malformed;
  }
  for (auto f : obj) {
    std::string_view k;
    od::value v;
    if (!json::key(f, k) || f.value().get(v) != simdjson::SUCCESS) return ParseStatus::malformed;
    // Every field is documented as a string: a number, null or anything
    // else is malformed, never read as a value.
    bool ok = true;
    if (k == "markPrice") {
      ok = json::string(v, out.mark_price);
    } else if (k == "openInterestUsd") {
      ok = json::string(v, out.open_interest_usd);
    } else if (k == "funding1hPct") {
      ok = json::string(v, out.funding_1h_pct);
    } else if (k == "marketId") {
      ok = json::string(v, out.market);
    }
    if (!ok) return ParseStatus::malformed;
  }
  if (out.mark_price.empty() && out.open_interest_usd.empty() && out.funding_1h_pct.empty()) {
    return ParseStatus::malformed;
  }
  return ParseStatus::ok;
}

namespace {

// One position object; false on a wrong type or a missing marketId or size.
bool read_position(od::object obj, PositionFields& out) noexcept {
  out = PositionFields{};
  for (auto f : obj) {
    std::string_view k;
    od::value v;
    if (!json::key(f, k) || f.value().get(v) != simdjson::SUCCESS) return false;
    bool ok = true;
    if (k == "marketId") {
      ok = json::string(v, out.market);
    } else if (k == "size") {
      ok = json::number_text(v, out.size);
    } else if (k == "entryPrice") {
      ok = json::number_text(v, out.entry_price);
    } else if (k == "unrealizedPnl") {
      ok = json::number_text(v, out.pnl);
    } else if (k == "liquidationPrice") {
      ok = json::number_text(v, out.liquidation_price);
    } else if (k == "margin") {
      ok = json::number_text(v, out.margin);
    } else if (k == "leverage") {
      ok = json::number_text(v, out.leverage);
    }
    if (!ok) return false;
  }
  return !out.market.empty() && !out.size.empty();
}

// One fill object; false on a wrong type, a missing field or an unknown side.
bool read_fill(od::object obj, FillFields& out) noexcept {
  out = FillFields{};
  std::string_view side;
  for (auto f : obj) {
    std::string_view k;
    od::value v;
    if (!json::key(f, k) || f.value().get(v) != simdjson::SUCCESS) return false;
    bool ok = true;
    if (k == "marketId") {
      ok = json::string(v, out.market);
    } else if (k == "side") {
      ok = json::string(v, side);
    } else if (k == "price") {
      ok = json::number_text(v, out.price);
    } else if (k == "quantity") {
      ok = json::number_text(v, out.quantity);
    }
    if (!ok) return false;
  }
  if (side != "buy" && side != "sell") return false;
  out.buy = side == "buy";
  return !out.market.empty() && !out.price.empty() && !out.quantity.empty();
}

// A user payload: one item object or an array of them, read by `read_one`
// into `items`; `n` counts them. Other payload shapes are malformed.
template <class Item, class ReadOne>
ParseStatus read_items(od::value v, Item* items, std::size_t& n, ReadOne read_one) noexcept {
  n = 0;
  od::object obj;
  if (v.get_object().get(obj) == simdjson::SUCCESS) {
    if (!read_one(obj, items[0])) return ParseStatus::malformed;
    n = 1;
    return ParseStatus::ok;
  }
  od::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return ParseStatus::malformed;
  for (auto e : arr) {
    od::object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) return ParseStatus::malformed;
    if (n >= Parser::kMaxUserItems) return ParseStatus::too_many_levels;
    if (!read_one(o, items[n])) return ParseStatus::malformed;
    ++n;
  }
  return ParseStatus::ok;
}

}  // namespace

ParseStatus Parser::parse_user(std::string_view sse_event, const char* data, std::size_t len,
                               std::size_t capacity, UserMessage& out) noexcept {
  out = UserMessage{};
  Scratch& s = *s_;
  od::document doc;
  od::object obj;
  if (!json::top_object(json_->parser, data, len, capacity, doc, obj)) {
    return ParseStatus::malformed;
  }
  out.kind = user_kind_of(sse_event);
  std::size_t n = 0;
  bool has_items = false;
  // The kind must be known before the payload is read: an unnamed event
  // whose eventType comes after its payload is not one we use.
  const ParseStatus st = read_envelope(obj, out, [&](od::value v) noexcept {
    if (out.kind == UserKind::other && sse_event == "message") {
      out.kind = user_kind_of(out.event_type);
    }
    if (out.kind == UserKind::position) {
      has_items = true;
      return read_items(v, s.positions.get(), n, read_position);
    }
    if (out.kind == UserKind::fill) {
      has_items = true;
      return read_items(v, s.fills.get(), n, read_fill);
    }
    od::object p;  // an error's fields may sit in the payload
    if (v.get_object().get(p) != simdjson::SUCCESS) return ParseStatus::ok;
    for (auto f : p) {
      std::string_view k;
      od::value fv;
      bool ok = true;
      if (!json::key(f, k) || f.value().get(fv) != simdjson::SUCCESS) return ParseStatus::malformed;
      (void)error_field(k, fv, out, ok);
      if (!ok) return ParseStatus::malformed;
    }
    return ParseStatus::ok;
  });
  if (st != ParseStatus::ok) return st;
  if (out.kind == UserKind::position) out.positions = {s.positions.get(), n};
  if (out.kind == UserKind::fill) out.fills = {s.fills.get(), n};
  const bool items = out.kind == UserKind::position || out.kind == UserKind::fill;
  if (items && (!has_items || n == 0)) return ParseStatus::malformed;
  return ParseStatus::ok;
}

}  // namespace wirebook::feeds::ocx
