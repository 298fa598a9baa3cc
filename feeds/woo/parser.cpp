#include "feeds/woo/parser.hpp"

#include <simdjson.h>

#include <new>

#include "feeds/common/json_text.hpp"
#include "feeds/woo/fast_update.hpp"

namespace wirebook::feeds::woo {
namespace od = simdjson::ondemand;

// Everything one pass over a frame collects; the kind is decided afterwards.
struct Parser::Fields {
  std::string_view topic;
  std::string_view event;  // v2
  std::string_view cmd;    // v3
  bool has_success = false;
  bool success = false;
  bool data_is_object = false;
  std::int64_t rest_timestamp = 0;  // v3 REST data.timestamp
  bool has_rest_timestamp = false;
};

namespace {

// One level: `[px, qty]` (numbers in v2, strings in v3) or, in the v3 REST
// book, `{"price":..,"quantity":..}`.
bool read_level(od::value lv, LevelText& out) noexcept {
  od::json_type t{};
  if (lv.type().get(t) != simdjson::SUCCESS) return false;
  if (t == od::json_type::array) {
    od::array pair;
    return lv.get_array().get(pair) == simdjson::SUCCESS &&
           json::number_pair(pair, out.px, out.qty);
  }
  od::object o;
  if (t != od::json_type::object || lv.get_object().get(o) != simdjson::SUCCESS) return false;
  for (auto f : o) {
    std::string_view k;
    od::value v;
    if (!json::key(f, k) || f.value().get(v) != simdjson::SUCCESS) return false;
    if (k == "price") {
      if (!json::number_text(v, out.px)) return false;
    } else if (k == "quantity") {
      if (!json::number_text(v, out.qty)) return false;
    }
  }
  return !out.px.empty() && !out.qty.empty();
}

// Reads the levels of one side into `out`.
ParseStatus read_levels(od::value v, LevelText* out, std::size_t max, std::size_t& n) noexcept {
  od::array levels;
  if (v.get_array().get(levels) != simdjson::SUCCESS) return ParseStatus::malformed;
  n = 0;
  for (auto item : levels) {
    od::value lv;
    if (item.get(lv) != simdjson::SUCCESS) return ParseStatus::malformed;
    if (n >= max) return ParseStatus::too_many_levels;
    out[n] = LevelText{};
    if (!read_level(lv, out[n])) return ParseStatus::malformed;
    ++n;
  }
  return ParseStatus::ok;
}

// A v3 ack's `data` list of topics; false on any non-string or too many.
bool read_acked(od::value v, std::string_view* out, std::size_t& n) noexcept {
  od::array topics;
  if (v.get_array().get(topics) != simdjson::SUCCESS) return false;
  n = 0;
  for (auto item : topics) {
    od::value tv;
    if (item.get(tv) != simdjson::SUCCESS || n >= kMaxAckedTopics) return false;
    if (!json::string(tv, out[n])) return false;
    ++n;
  }
  return true;
}

// Reference values are strict on type (refdata_spec §1, §2): v2 sends JSON
// numbers (their text is kept, never read through double), v3 strings. A
// value of the other type is malformed, never published as 0.
bool number_only(od::value v, std::string_view& out) noexcept {
  out = json::detail::number_token(v.raw_json_token());
  return !out.empty();
}

bool string_only(od::value v, std::string_view& out) noexcept {
  const std::string_view raw = v.raw_json_token();
  return !raw.empty() && raw.front() == '"' && json::string(v, out) && !out.empty();
}

// An integer that is a JSON number (v3 `ft`), not a string of digits.
bool int_number(od::value v, std::int64_t& out) noexcept {
  const std::string_view text = json::detail::number_token(v.raw_json_token());
  return !text.empty() &&
         book::parse_decimal(text, 0, out, book::Sign::allow_negative) == book::DecimalError::ok;
}

// The reference fields of `data` (after every book and trade name, so book
// frames compare no more keys than before), each under its own protocol's
// name only. False: not a reference name.
bool read_reference_field(std::string_view dk, od::value dv, bool v3, Message& out,
                          ParseStatus& st) noexcept {
  const auto check = [&](bool ok) {
    st = ok ? ParseStatus::ok : ParseStatus::malformed;
    return true;
  };
  if (v3) {
    if (dk == "px") {
      out.price_px = true;
      out.price_quoted = true;
      return check(string_only(dv, out.price));
    }
    if (dk == "r") return check(string_only(dv, out.funding_rate));
    if (dk == "oi") return check(string_only(dv, out.open_interest));
    if (dk == "ft") {
      out.has_next_funding = true;
      return check(int_number(dv, out.next_funding_ms));
    }
    return false;
  }
  if (dk == "fundingRate") return check(number_only(dv, out.funding_rate));
  if (dk == "openInterest") return check(number_only(dv, out.open_interest));
  // v2 `fundingTs` is not described by the doc (woox-api.txt:3891-3924; in its
  // example it equals the envelope ts): it is not read, and never taken as
  // the next funding time.
  return false;
}

struct Sides {
  LevelText* bids;
  LevelText* asks;
  std::size_t max;
  std::size_t nb = 0;
  std::size_t na = 0;
};

// One field of `data` (v2 and v3 names; they do not collide).
ParseStatus read_data_field(std::string_view dk, od::value dv, Sides& sides, bool v3, Message& out,
                            std::int64_t& rest_ts, bool& has_rest_ts) noexcept {
  const auto text = [&](std::string_view& into) {
    return json::number_text(dv, into) ? ParseStatus::ok : ParseStatus::malformed;
  };
  if (dk == "symbol" || dk == "s") {
    return json::string(dv, out.symbol) ? ParseStatus::ok : ParseStatus::malformed;
  }
  if (dk == "prevTs") {
    out.has_prev_ts = true;
    return json::int_value(dv, out.prev_ts_ms) ? ParseStatus::ok : ParseStatus::malformed;
  }
  if (dk == "ts") {
    out.has_data_ts = true;
    return json::int_value(dv, out.data_ts_ms) ? ParseStatus::ok : ParseStatus::malformed;
  }
  if (dk == "timestamp") {
    has_rest_ts = true;
    return json::int_value(dv, rest_ts) ? ParseStatus::ok : ParseStatus::malformed;
  }
  if (dk == "bids") return read_levels(dv, sides.bids, sides.max, sides.nb);
  if (dk == "asks") return read_levels(dv, sides.asks, sides.max, sides.na);
  if (dk == "price") {
    const std::string_view raw = dv.raw_json_token();
    out.price_quoted = !raw.empty() && raw.front() == '"';
    return text(out.price);
  }
  if (dk == "size") return text(out.size);
  if (dk == "side") return json::string(dv, out.side) ? ParseStatus::ok : ParseStatus::malformed;
  if (dk == "bid" || dk == "bp") return text(out.bid);
  if (dk == "bidSize" || dk == "bq") return text(out.bid_size);
  if (dk == "ask" || dk == "ap") return text(out.ask);
  if (dk == "askSize" || dk == "aq") return text(out.ask_size);
  ParseStatus st = ParseStatus::ok;
  (void)read_reference_field(dk, dv, v3, out, st);
  return st;
}

}  // namespace

struct Parser::Json {
  explicit Json(std::size_t max_frame) : parser(max_frame) {}
  od::parser parser;
};

Parser::Parser(std::size_t max_levels, std::size_t max_frame, Protocol protocol)
    : json_(std::make_unique<Json>(max_frame)),
      bids_(std::make_unique<LevelText[]>(max_levels)),
      asks_(std::make_unique<LevelText[]>(max_levels)),
      acked_(std::make_unique<std::string_view[]>(kMaxAckedTopics)),
      max_levels_(max_levels),
      max_frame_(max_frame),
      protocol_(protocol) {
  json::preallocate(json_->parser, max_frame);
}

Parser::~Parser() = default;

void Parser::warm() const noexcept {
  shm::prefetch_for_write(this, sizeof *this);
  warm_level_texts(bids_.get(), asks_.get(), max_levels_);
}

ParseStatus Parser::read_frame(const char* data, std::size_t len, std::size_t capacity, Fields& f,
                               Message& out) noexcept {
  out = Message{};
  od::document doc;
  od::object obj;
  if (!json::top_object(json_->parser, data, len, capacity, doc, obj)) {
    return ParseStatus::malformed;
  }
  Sides sides{bids_.get(), asks_.get(), max_levels_};
  std::size_t nacked = 0;
  for (auto field : obj) {
    std::string_view key;
    if (!json::key(field, key)) return ParseStatus::malformed;
    od::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return ParseStatus::malformed;
    if (key == "topic") {
      if (!json::string(v, f.topic)) return ParseStatus::malformed;
    } else if (key == "event") {
      if (!json::string(v, f.event)) return ParseStatus::malformed;
    } else if (key == "cmd") {
      if (!json::string(v, f.cmd)) return ParseStatus::malformed;
    } else if (key == "ts") {
      if (!json::int_value(v, out.ts_ms)) return ParseStatus::malformed;
    } else if (key == "id") {
      if (!json::string(v, out.id)) {
        out.id = {};  // ids we did not send may be numbers; they are not needed
      }
    } else if (key == "success") {
      f.has_success = true;
      if (v.get_bool().get(f.success) != simdjson::SUCCESS) return ParseStatus::malformed;
    } else if (key == "errorMsg") {
      if (!json::string(v, out.error_msg)) return ParseStatus::malformed;
    } else if (key == "data") {
      od::json_type t{};
      if (v.type().get(t) != simdjson::SUCCESS) return ParseStatus::malformed;
      if (t == od::json_type::string) {
        // v2 unsubscribe ack (the topic); v3 error text (§1.9).
        if (!json::string(v, out.error_msg)) return ParseStatus::malformed;
        continue;
      }
      if (t == od::json_type::array) {
        // v3 SUBSCRIBE ack topics; v2 "bbos"/"tickers" arrays are not used.
        if (!f.cmd.empty() || protocol_ == Protocol::v3) {
          if (!read_acked(v, acked_.get(), nacked)) nacked = 0;
        }
        continue;
      }
      if (t != od::json_type::object) continue;
      f.data_is_object = true;
      od::object d;
      if (v.get_object().get(d) != simdjson::SUCCESS) return ParseStatus::malformed;
      for (auto df : d) {
        std::string_view dk;
        if (!json::key(df, dk)) return ParseStatus::malformed;
        od::value dv;
        if (df.value().get(dv) != simdjson::SUCCESS) return ParseStatus::malformed;
        const ParseStatus st = read_data_field(dk, dv, sides, protocol_ == Protocol::v3, out,
                                               f.rest_timestamp, f.has_rest_timestamp);
        if (st != ParseStatus::ok) return st;
      }
    }
  }
  out.bids = {bids_.get(), sides.nb};
  out.asks = {asks_.get(), sides.na};
  out.acked = {acked_.get(), nacked};
  return ParseStatus::ok;
}

ParseStatus Parser::parse(const char* data, std::size_t len, std::size_t capacity,
                          Message& out) noexcept {
  // The usual delta in one pass; any other frame (or a frame over the size
  // limit the general path refuses) takes the general path.
  if (fast_path_ && len <= max_frame_) {
    const bool fast = protocol_ == Protocol::v2
                          ? scan_v2_update(data, len, bids_.get(), asks_.get(), max_levels_, out)
                          : scan_v3_update(data, len, bids_.get(), asks_.get(), max_levels_, out);
    if (fast) return ParseStatus::ok;
  }
  Fields f;
  if (const ParseStatus st = read_frame(data, len, capacity, f, out); st != ParseStatus::ok) {
    return st;
  }
  if (f.has_success && !f.success) {
    out.kind = MsgKind::error;
    return ParseStatus::ok;
  }
  return protocol_ == Protocol::v3 ? classify_v3(f, out) : classify_v2(f, out);
}

ParseStatus Parser::parse_rest_book(const char* data, std::size_t len, std::size_t capacity,
                                    Message& out) noexcept {
  Fields f;
  if (const ParseStatus st = read_frame(data, len, capacity, f, out); st != ParseStatus::ok) {
    return st;
  }
  if (f.has_success && !f.success) {
    out.kind = MsgKind::error;
    return ParseStatus::ok;
  }
  // The book's own time is the alignment key (the doc: "prevTs = timestamp in
  // the snapshot"); the envelope's `timestamp` is only the reply's time.
  if (!f.has_success || !f.data_is_object || !f.has_rest_timestamp) return ParseStatus::malformed;
  out.kind = MsgKind::request_reply;
  out.data_ts_ms = f.rest_timestamp;
  out.has_data_ts = true;
  return ParseStatus::ok;
}

// v2: data frames `SYMBOL@kind`, control frames by `event` (PROTOCOLS §1.3).
ParseStatus Parser::classify_v2(const Fields& f, Message& out) const noexcept {
  if (!f.topic.empty()) {
    const auto at = f.topic.find('@');
    if (at == std::string_view::npos) {
      out.kind = MsgKind::other;  // "bbos", "tickers", ...
      return ParseStatus::ok;
    }
    const std::string_view sym = f.topic.substr(0, at);
    const std::string_view what = f.topic.substr(at + 1);
    if (!out.symbol.empty() && out.symbol != sym) return ParseStatus::malformed;
    out.symbol = sym;
    if (what == "orderbookupdate") {
      if (!f.data_is_object || !out.has_prev_ts || out.ts_ms == 0) return ParseStatus::malformed;
      out.kind = MsgKind::book_update;
    } else if (what == "orderbook" || what == "orderbook100") {
      if (!f.data_is_object || out.ts_ms == 0) return ParseStatus::malformed;
      out.kind = MsgKind::book_snapshot;
    } else if (what == "trade") {
      if (out.price.empty() || out.size.empty()) return ParseStatus::malformed;
      out.kind = MsgKind::trade;
    } else if (what == "bbo") {
      if (out.bid.empty() || out.ask.empty() || out.bid_size.empty() || out.ask_size.empty()) {
        return ParseStatus::malformed;
      }
      out.kind = MsgKind::bbo;
    } else {
      return classify_reference(f, what, out);
    }
    return ParseStatus::ok;
  }
  if (f.event == "ping") {
    out.kind = MsgKind::ping;
  } else if (f.event == "pong") {
    out.kind = MsgKind::pong;
  } else if (f.event == "request") {
    if (!f.data_is_object || !out.has_data_ts || out.symbol.empty()) return ParseStatus::malformed;
    out.kind = MsgKind::request_reply;
  } else if (f.event == "subscribe") {
    out.kind = MsgKind::subscribe_ack;
  } else if (f.event == "unsubscribe") {
    out.kind = MsgKind::unsubscribe_ack;
  } else {
    out.kind = MsgKind::other;
  }
  return ParseStatus::ok;
}

// v3: data frames `kind@SYMBOL[@depth]` with `data.s`; control frames by
// `cmd` (PROTOCOLS §1.4, §1.9). The chain key of a delta is data.ts.
ParseStatus Parser::classify_v3(const Fields& f, Message& out) const noexcept {
  if (!f.topic.empty()) {
    const auto at = f.topic.find('@');
    if (at == std::string_view::npos) {
      out.kind = MsgKind::other;
      return ParseStatus::ok;
    }
    const std::string_view what = f.topic.substr(0, at);
    std::string_view sym = f.topic.substr(at + 1);
    sym = sym.substr(0, sym.find('@'));  // drop the depth of orderbookupdate@SYM@50
    if (sym.empty() || (!out.symbol.empty() && out.symbol != sym)) return ParseStatus::malformed;
    out.symbol = sym;
    if (what == "orderbookupdate") {
      if (!f.data_is_object || !out.has_prev_ts || !out.has_data_ts) return ParseStatus::malformed;
      out.kind = MsgKind::book_update;
    } else if (what == "bbo") {
      if (out.bid.empty() || out.ask.empty() || out.bid_size.empty() || out.ask_size.empty()) {
        return ParseStatus::malformed;
      }
      out.kind = MsgKind::bbo;
    } else {
      return classify_reference(f, what, out);  // trade and others: other (README)
    }
    return ParseStatus::ok;
  }
  if (f.cmd == "PING") {
    out.kind = MsgKind::ping;
  } else if (f.cmd == "PONG") {
    out.kind = MsgKind::pong;
  } else if (f.cmd == "SUBSCRIBE") {
    out.kind = MsgKind::subscribe_ack;
  } else if (f.cmd == "UN_SUBSCRIBE") {
    out.kind = MsgKind::unsubscribe_ack;
  } else {
    out.kind = MsgKind::other;
  }
  return ParseStatus::ok;
}

// The reference topics, v2 and v3 alike but for the value types and the
// exchange time (v2: the envelope ts, v3: data.ts, the calculation time,
// refdata_spec §2). Anything else is a topic we do not use.
ParseStatus Parser::classify_reference(const Fields& f, std::string_view what,
                                       Message& out) const noexcept {
  const bool v3 = protocol_ == Protocol::v3;
  MsgKind kind = MsgKind::other;
  bool has_value = false;
  if (what == "markprice" || what == "indexprice") {
    kind = what == "markprice" ? MsgKind::mark_price : MsgKind::index_price;
    // v2 data.price, a JSON number; v3 data.px, a string.
    has_value = !out.price.empty() && (v3 ? out.price_px : !out.price_quoted && !out.price_px);
  } else if (what == "estfundingrate") {
    kind = MsgKind::funding_rate;
    has_value = !out.funding_rate.empty();
  } else if (what == "openinterest") {
    kind = MsgKind::open_interest;
    has_value = !out.open_interest.empty();
  } else {
    out.kind = MsgKind::other;
    return ParseStatus::ok;
  }
  const bool has_time = v3 ? out.has_data_ts : out.ts_ms != 0;
  if (!f.data_is_object || !has_value || !has_time) return ParseStatus::malformed;
  out.kind = kind;
  return ParseStatus::ok;
}

}  // namespace wirebook::feeds::woo
