#include "feeds/o2/parser.hpp"

#include <simdjson.h>

#include <new>

#include "feeds/common/json_text.hpp"
#include "feeds/o2/fast_book.hpp"
#include "feeds/o2/schema.hpp"

namespace wirebook::feeds::o2 {
namespace od = simdjson::ondemand;
namespace sc = schema;
namespace {

od::json_type type_of(od::value v) noexcept {
  od::json_type t{};
  if (v.type().get(t) != simdjson::SUCCESS) return od::json_type::null;
  return t;
}

bool is_null(od::value v) noexcept {
  od::json_type t{};
  return v.type().get(t) == simdjson::SUCCESS && t == od::json_type::null;
}

// One level: [price, size] or {"price":p, "size"|"quantity"|"qty":q}.
bool read_level(od::value item, LevelText& out) noexcept {
  out = LevelText{};
  const od::json_type t = type_of(item);
  if (t == od::json_type::array) {
    od::array pair;
    return item.get_array().get(pair) == simdjson::SUCCESS &&
           json::number_pair(pair, out.px, out.qty);
  }
  if (t != od::json_type::object) return false;
  od::object obj;
  if (item.get_object().get(obj) != simdjson::SUCCESS) return false;
  for (auto f : obj) {
    std::string_view k;
    od::value v;
    if (!json::key(f, k) || f.value().get(v) != simdjson::SUCCESS) {
      return false;
    }
    if (k == sc::kPrice) {
      if (!json::number_text(v, out.px)) return false;
    } else if (k == sc::kSize || k == sc::kQuantity || k == sc::kQty) {
      if (!json::number_text(v, out.qty)) return false;
    }
  }
  return !out.px.empty() && !out.qty.empty();
}

ParseStatus read_levels(od::value v, LevelText* out, std::size_t max, std::size_t& n) noexcept {
  od::array levels;
  if (v.get_array().get(levels) != simdjson::SUCCESS) return ParseStatus::malformed;
  n = 0;
  for (auto item : levels) {
    od::value lv;
    if (item.get(lv) != simdjson::SUCCESS) return ParseStatus::malformed;
    if (n >= max) return ParseStatus::too_many_levels;
    if (!read_level(lv, out[n])) return ParseStatus::malformed;
    ++n;
  }
  return ParseStatus::ok;
}

// An optional integer (null counts as absent).
bool opt_int(od::value v, std::int64_t& out, bool& has) noexcept {
  if (is_null(v)) return true;
  if (!json::int_value(v, out)) return false;
  has = true;
  return true;
}

// An error field: null, a string, or an object with message/msg.
bool read_error(od::value v, std::string_view& message, bool& present) noexcept {
  const od::json_type t = type_of(v);
  if (t == od::json_type::null) return true;
  present = true;
  if (t == od::json_type::string) return json::string(v, message);
  if (t != od::json_type::object) return true;  // a code number: present, no text
  od::object e;
  if (v.get_object().get(e) != simdjson::SUCCESS) return false;
  for (auto f : e) {
    std::string_view k;
    od::value ev;
    if (!json::key(f, k) || f.value().get(ev) != simdjson::SUCCESS) {
      return false;
    }
    if ((k == "message" || k == "msg") && !json::string(ev, message)) return false;
  }
  return true;
}

}  // namespace

bool trade_side_is_buy(std::string_view side, bool& known) noexcept {
  auto eq = [](std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const char c = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
      if (c != b[i]) return false;
    }
    return true;
  };
  known = true;
  if (eq(side, "buy") || eq(side, "b") || eq(side, "bid")) return true;
  if (eq(side, "sell") || eq(side, "s") || eq(side, "ask")) return false;
  known = false;
  return false;
}

struct Parser::Json {
  explicit Json(std::size_t max_frame) : parser(max_frame) {}
  od::parser parser;
};

// What one pass over a frame collected besides the Message itself.
struct Parser::Fields {
  std::string_view type;
  std::string_view price;  // a bare "price" (single trade, mark price)
  std::string_view size;
  std::string_view side;
  std::string_view mark_price;
  std::string_view funding_rate;
  std::size_t nb = 0;
  std::size_t na = 0;
  std::size_t nt = 0;
  bool has_success = false;
  bool success = false;
  bool has_error = false;
  bool data_object = false;
  bool data_array = false;
  bool levels = false;
};

namespace {

// Fields that may sit at the top level or inside `data`.
template <class F>
ParseStatus read_field(std::string_view k, od::value v, Message& m, F& f, LevelText* bids,
                       LevelText* asks, std::size_t max) noexcept {
  if (k == sc::kType) {
    if (!is_null(v) && !json::string(v, f.type)) return ParseStatus::malformed;
  } else if (k == sc::kMarketId) {
    if (!opt_int(v, m.market_id, m.has_market_id)) return ParseStatus::malformed;
  } else if (k == sc::kSeq || k == sc::kSeqAlt) {
    if (!opt_int(v, m.seq, m.has_seq)) return ParseStatus::malformed;
  } else if (k == sc::kPrevSeq || k == sc::kPrevSeqAlt) {
    if (!opt_int(v, m.prev_seq, m.has_prev_seq)) return ParseStatus::malformed;
  } else if (k == sc::kTs || k == sc::kTsAlt) {
    bool has = false;
    if (!opt_int(v, m.ts_ms, has)) return ParseStatus::malformed;
  } else if (k == sc::kBids) {
    f.levels = true;
    return read_levels(v, bids, max, f.nb);
  } else if (k == sc::kAsks) {
    f.levels = true;
    return read_levels(v, asks, max, f.na);
  } else if (k == sc::kPrice) {
    if (!json::number_text(v, f.price)) return ParseStatus::malformed;
  } else if (k == sc::kSize || k == sc::kQuantity || k == sc::kQty) {
    if (!json::number_text(v, f.size)) return ParseStatus::malformed;
  } else if (k == sc::kSide) {
    if (!json::string(v, f.side)) return ParseStatus::malformed;
  } else if (k == "best_bid" || k == "bid") {
    if (!json::number_text(v, m.bid_px)) return ParseStatus::malformed;
  } else if (k == "best_bid_size" || k == "bid_size") {
    if (!json::number_text(v, m.bid_qty)) return ParseStatus::malformed;
  } else if (k == "best_ask" || k == "ask") {
    if (!json::number_text(v, m.ask_px)) return ParseStatus::malformed;
  } else if (k == "best_ask_size" || k == "ask_size") {
    if (!json::number_text(v, m.ask_qty)) return ParseStatus::malformed;
  } else if (k == "mark_price") {
    if (!json::number_text(v, f.mark_price)) return ParseStatus::malformed;
  } else if (k == "funding_rate" || k == "rate") {
    if (!json::number_text(v, f.funding_rate)) return ParseStatus::malformed;
  } else if (k == "message" || k == "msg") {
    if (!is_null(v) && !json::string(v, m.error_message)) return ParseStatus::malformed;
  }
  return ParseStatus::ok;
}

// One trade object of a trades array.
bool read_trade(od::value item, TradeText& t, Message& m) noexcept {
  t = TradeText{};
  od::object obj;
  if (item.get_object().get(obj) != simdjson::SUCCESS) return false;
  for (auto f : obj) {
    std::string_view k;
    od::value v;
    if (!json::key(f, k) || f.value().get(v) != simdjson::SUCCESS) {
      return false;
    }
    if (k == sc::kPrice) {
      if (!json::number_text(v, t.px)) return false;
    } else if (k == sc::kSize || k == sc::kQuantity || k == sc::kQty) {
      if (!json::number_text(v, t.qty)) return false;
    } else if (k == sc::kSide) {
      if (!json::string(v, t.side)) return false;
    } else if (k == sc::kTs || k == sc::kTsAlt) {
      bool has = false;
      if (!opt_int(v, t.ts_ms, has)) return false;
    } else if (k == sc::kMarketId) {
      if (!m.has_market_id && !opt_int(v, m.market_id, m.has_market_id)) return false;
    }
  }
  return !t.px.empty() && !t.qty.empty();
}

}  // namespace

Parser::Parser(std::size_t max_levels, std::size_t max_frame)
    : json_(std::make_unique<Json>(max_frame)),
      bids_(std::make_unique<LevelText[]>(max_levels)),
      asks_(std::make_unique<LevelText[]>(max_levels)),
      trades_(std::make_unique<TradeText[]>(max_levels)),
      max_levels_(max_levels),
      max_frame_(max_frame) {
  // Size the buffers now so frames up to 1 MiB never allocate; larger ones
  // (rare full books) grow them once, up to max_frame.
  json::preallocate(json_->parser, max_frame);
}

Parser::~Parser() = default;

void Parser::warm() const noexcept {
  shm::prefetch_for_write(this, sizeof *this);
  warm_level_texts(bids_.get(), asks_.get(), max_levels_);
}

namespace {

// Reads `data`: an object (book, ticker, single trade, ...) or an array of trades.
template <class F>
ParseStatus read_data(od::value v, Message& m, F& f, LevelText* bids, LevelText* asks,
                      TradeText* trades, std::size_t max) noexcept {
  const od::json_type t = type_of(v);
  if (t == od::json_type::object) {
    f.data_object = true;
    od::object d;
    if (v.get_object().get(d) != simdjson::SUCCESS) return ParseStatus::malformed;
    for (auto df : d) {
      std::string_view k;
      od::value dv;
      if (!json::key(df, k) || df.value().get(dv) != simdjson::SUCCESS) {
        return ParseStatus::malformed;
      }
      if (const auto st = read_field(k, dv, m, f, bids, asks, max); st != ParseStatus::ok) {
        return st;
      }
    }
    return ParseStatus::ok;
  }
  if (t == od::json_type::array) {
    f.data_array = true;
    od::array a;
    if (v.get_array().get(a) != simdjson::SUCCESS) return ParseStatus::malformed;
    for (auto item : a) {
      od::value iv;
      if (item.get(iv) != simdjson::SUCCESS) return ParseStatus::malformed;
      if (f.nt >= max) return ParseStatus::too_many_levels;
      if (!read_trade(iv, trades[f.nt], m)) return ParseStatus::malformed;
      ++f.nt;
    }
    return ParseStatus::ok;
  }
  return t == od::json_type::null ? ParseStatus::ok : ParseStatus::malformed;
}

BookType book_type(std::string_view t, bool& known) noexcept {
  known = true;
  if (t.empty()) return BookType::none;
  if (t == sc::kSnapshot) return BookType::snapshot;
  if (t == sc::kDelta || t == sc::kUpdate) return BookType::delta;
  known = false;
  return BookType::none;
}

}  // namespace

ParseStatus Parser::parse(const char* data, std::size_t len, std::size_t capacity,
                          Message& out) noexcept {
  // The usual book frame in one pass; any other frame (or a frame over the
  // size limit the general path refuses) takes the general path.
  if (fast_path_ && len <= max_frame_ &&
      scan_book_frame(data, len, bids_.get(), asks_.get(), max_levels_, out)) {
    return ParseStatus::ok;
  }
  out = Message{};
  od::document doc;
  od::object obj;
  if (!json::top_object(json_->parser, data, len, capacity, doc, obj)) {
    return ParseStatus::malformed;
  }
  Fields f;
  for (auto field : obj) {
    std::string_view key;
    od::value v;
    if (!json::key(field, key) || field.value().get(v) != simdjson::SUCCESS) {
      return ParseStatus::malformed;
    }
    ParseStatus st = ParseStatus::ok;
    if (key == sc::kChannel) {
      if (!json::string(v, out.channel)) return ParseStatus::malformed;
    } else if (key == sc::kData) {
      st = read_data(v, out, f, bids_.get(), asks_.get(), trades_.get(), max_levels_);
    } else if (key == sc::kSuccess) {
      f.has_success = true;
      if (v.get_bool().get(f.success) != simdjson::SUCCESS) return ParseStatus::malformed;
    } else if (key == sc::kError) {
      if (!read_error(v, out.error_message, f.has_error)) return ParseStatus::malformed;
    } else {
      st = read_field(key, v, out, f, bids_.get(), asks_.get(), max_levels_);
    }
    if (st != ParseStatus::ok) return st;
  }
  out.bids = {bids_.get(), f.nb};
  out.asks = {asks_.get(), f.na};

  if ((f.has_success && !f.success) || f.type == sc::kError) {
    out.kind = MsgKind::error;
    return ParseStatus::ok;
  }
  if (out.channel.empty()) {
    out.kind = f.has_error ? MsgKind::error : MsgKind::ack;
    return ParseStatus::ok;
  }
  const bool has_data = f.data_object || f.data_array;
  if (out.channel == sc::kOrderBook) {
    if (!has_data) {
      out.kind = MsgKind::ack;  // {"type":"subscribed","channel":"order_book",...}
      return ParseStatus::ok;
    }
    bool known = false;
    out.type = book_type(f.type, known);
    if (!known) {
      out.kind = MsgKind::other;
      return ParseStatus::ok;
    }
    if (!f.data_object || !out.has_market_id) return ParseStatus::malformed;
    out.kind = MsgKind::book;
    return ParseStatus::ok;
  }
  if (!has_data) {
    out.kind = MsgKind::ack;
    return ParseStatus::ok;
  }
  if (out.channel == sc::kTrades) {
    if (f.data_object) {
      if (f.price.empty() || f.size.empty()) return ParseStatus::malformed;
      trades_[0] = TradeText{f.price, f.size, f.side, out.ts_ms};
      f.nt = 1;
    }
    for (std::size_t k = 0; k < f.nt; ++k) {
      if (trades_[k].ts_ms == 0) trades_[k].ts_ms = out.ts_ms;
    }
    if (f.nt == 0 || !out.has_market_id) return ParseStatus::malformed;
    out.trades = {trades_.get(), f.nt};
    out.kind = MsgKind::trades;
    return ParseStatus::ok;
  }
  if (!f.data_object || !out.has_market_id) {
    out.kind = MsgKind::other;
    return ParseStatus::ok;
  }
  if (out.channel == sc::kTicker) {
    out.kind = MsgKind::ticker;
  } else if (out.channel == sc::kMarkPrice) {
    out.value = f.mark_price.empty() ? f.price : f.mark_price;
    if (out.value.empty()) return ParseStatus::malformed;
    out.kind = MsgKind::mark_price;
  } else if (out.channel == sc::kFunding) {
    out.value = f.funding_rate;
    if (out.value.empty()) return ParseStatus::malformed;
    out.kind = MsgKind::funding;
  } else {
    out.kind = MsgKind::other;
  }
  return ParseStatus::ok;
}

ParseStatus Parser::parse_rest_book(const char* data, std::size_t len, std::size_t capacity,
                                    Message& out) noexcept {
  out = Message{};
  od::document doc;
  od::object obj;
  if (!json::top_object(json_->parser, data, len, capacity, doc, obj)) {
    return ParseStatus::malformed;
  }
  Fields f;
  for (auto field : obj) {
    std::string_view key;
    od::value v;
    if (!json::key(field, key) || field.value().get(v) != simdjson::SUCCESS) {
      return ParseStatus::malformed;
    }
    ParseStatus st = ParseStatus::ok;
    if (key == sc::kData) {
      st = read_data(v, out, f, bids_.get(), asks_.get(), trades_.get(), max_levels_);
    } else if (key == sc::kSuccess) {
      f.has_success = true;
      if (v.get_bool().get(f.success) != simdjson::SUCCESS) return ParseStatus::malformed;
    } else if (key == sc::kError) {
      if (!read_error(v, out.error_message, f.has_error)) return ParseStatus::malformed;
    }
    if (st != ParseStatus::ok) return st;
  }
  if (!f.has_success) return ParseStatus::malformed;  // not the documented envelope
  if (!f.success) {
    out.kind = MsgKind::error;
    return ParseStatus::ok;
  }
  if (!f.data_object || !f.levels) return ParseStatus::malformed;
  out.bids = {bids_.get(), f.nb};
  out.asks = {asks_.get(), f.na};
  out.channel = sc::kOrderBook;
  out.type = BookType::snapshot;
  out.kind = MsgKind::book;
  return ParseStatus::ok;
}

}  // namespace wirebook::feeds::o2
