#include "feeds/oxfun/parser.hpp"

#include <simdjson.h>

#include "feeds/common/json_text.hpp"

namespace wirebook::feeds::oxfun {
namespace od = simdjson::ondemand;

// One element of a `data` array: the union of the trade, position and ticker
// fields, sorted into TradeText, PositionFields or TickerText once the table
// is known (it may come after `data`).
struct Item {
  std::string_view market;      // marketCode (trade, ticker) or instrumentId (position)
  bool has_instrument = false;  // instrumentId seen
  std::string_view price, quantity, side, trade_id;
  std::string_view entry_price, pnl, liquidation_price, margin, leverage, currency;
  std::string_view mark_price, index_price, open_interest;  // ticker
  std::int64_t ts_ms = 0;  // timestamp (trade, ticker) or lastUpdated (position)
  bool has_ts = false;
  bool ts_string = false;       // the timestamp came as a string (ticker documents a string)
  bool ticker_types_ok = true;  // markPrice, indexPrice, openInterest were strings
};

struct Parser::Json {
  explicit Json(std::size_t max_frame) : parser(max_frame) {}
  od::parser parser;
};

struct Parser::Scratch {
  explicit Scratch(std::size_t max)
      : max(max),
        bids(std::make_unique<LevelText[]>(max)),
        asks(std::make_unique<LevelText[]>(max)),
        items(std::make_unique<Item[]>(max)),
        trades(std::make_unique<TradeText[]>(max)),
        positions(std::make_unique<PositionFields[]>(max)),
        tickers(std::make_unique<TickerText[]>(max)) {}
  void reset() noexcept {
    n_bids = n_asks = n_items = 0;
    data_object = data_array = has_success = success = has_nonce = false;
    has_data_ts = false;
    envelope_ts = data_ts = 0;
  }
  std::size_t max;
  std::unique_ptr<LevelText[]> bids;
  std::unique_ptr<LevelText[]> asks;
  std::unique_ptr<Item[]> items;
  std::unique_ptr<TradeText[]> trades;
  std::unique_ptr<PositionFields[]> positions;
  std::unique_ptr<TickerText[]> tickers;
  std::size_t n_bids = 0, n_asks = 0, n_items = 0;
  bool data_object = false, data_array = false;
  bool has_success = false, success = false, has_nonce = false, has_data_ts = false;
  std::int64_t envelope_ts = 0, data_ts = 0;
};

namespace {

// Calls read(element, k) for each element k of the array `v`, counting them
// in `n`; more than `max` is too_many_levels, a false from read malformed.
template <class Read>
ParseStatus read_array(od::value v, std::size_t max, std::size_t& n, Read&& read) noexcept {
  od::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return ParseStatus::malformed;
  n = 0;
  for (auto e : arr) {
    od::value ev;
    if (e.get(ev) != simdjson::SUCCESS) return ParseStatus::malformed;
    if (n >= max) return ParseStatus::too_many_levels;
    if (!read(ev, n)) return ParseStatus::malformed;
    ++n;
  }
  return ParseStatus::ok;
}

// Reads [[px, qty], ...] into `out`.
ParseStatus read_levels(od::value v, LevelText* out, std::size_t max, std::size_t& n) noexcept {
  return read_array(v, max, n, [out](od::value lv, std::size_t k) {
    od::array pair;
    return lv.get_array().get(pair) == simdjson::SUCCESS &&
           json::number_pair(pair, out[k].px, out[k].qty);
  });
}

// bestBidAsk's `[price, size]`, or `[]` when that side is empty.
bool read_pair(od::value v, LevelText& out) noexcept {
  od::array pair;
  if (v.get_array().get(pair) != simdjson::SUCCESS) return false;
  bool empty = false;
  if (pair.is_empty().get(empty) != simdjson::SUCCESS) return false;
  if (empty) return true;
  if (pair.reset().error() != simdjson::SUCCESS) return false;
  return json::number_pair(pair, out.px, out.qty);
}

// A string or a number as text (tags, codes, ids may be either).
bool text(od::value v, std::string_view& out) noexcept {
  return json::number_text(v, out);
}

bool read_bool(od::value v, bool& out) noexcept {
  if (v.get_bool().get(out) == simdjson::SUCCESS) return true;
  std::string_view s;  // tolerate "true"/"false" strings
  if (!json::string(v, s)) return false;
  out = s == "true";
  return s == "true" || s == "false";
}

// A ticker value: its text (a string's contents or a number's token), with
// `types_ok` cleared when it is not a string.
bool ticker_string(od::value v, std::string_view& out, bool& types_ok) noexcept {
  const std::string_view tok = v.raw_json_token();
  types_ok = types_ok && !tok.empty() && tok.front() == '"';
  return json::number_text(v, out);
}

bool read_item_field(std::string_view k, od::value v, Item& it) noexcept {
  if (k == "marketCode" || k == "instrumentId") {
    it.has_instrument = it.has_instrument || k == "instrumentId";
    return json::string(v, it.market);
  }
  if (k == "price") return json::number_text(v, it.price);
  if (k == "quantity") return json::number_text(v, it.quantity);
  if (k == "side") return json::string(v, it.side);
  if (k == "tradeId") return text(v, it.trade_id);
  if (k == "timestamp" || k == "lastUpdated") {
    const std::string_view tok = v.raw_json_token();
    it.ts_string = !tok.empty() && tok.front() == '"';
    it.has_ts = json::int_value(v, it.ts_ms);
    return it.has_ts;
  }
  // Ticker (docs.ox.fun "Ticker": every field a STRING). The type is checked
  // once the table is known: a number here is malformed for a ticker only.
  if (k == "markPrice") return ticker_string(v, it.mark_price, it.ticker_types_ok);
  if (k == "indexPrice") return ticker_string(v, it.index_price, it.ticker_types_ok);
  if (k == "openInterest") return ticker_string(v, it.open_interest, it.ticker_types_ok);
  if (k == "entryPrice") return json::number_text(v, it.entry_price);
  if (k == "positionPnl") return json::number_text(v, it.pnl);
  if (k == "estLiquidationPrice") return json::number_text(v, it.liquidation_price);
  if (k == "margin") return json::number_text(v, it.margin);
  if (k == "leverage") return json::number_text(v, it.leverage);
  if (k == "contractValCurrency") return json::string(v, it.currency);
  return true;  // matchType and anything new
}

ParseStatus read_items(od::value v, Item* items, std::size_t max, std::size_t& n) noexcept {
  return read_array(v, max, n, [items](od::value ev, std::size_t k) {
    od::object obj;
    if (ev.get_object().get(obj) != simdjson::SUCCESS) return false;
    Item& it = items[k];
    it = Item{};
    for (auto f : obj) {
      std::string_view key;
      od::value fv;
      if (!json::key(f, key) || f.value().get(fv) != simdjson::SUCCESS) return false;
      if (!read_item_field(key, fv, it)) return false;
    }
    return true;
  });
}

}  // namespace

Parser::Parser(std::size_t max_levels, std::size_t max_frame)
    : json_(std::make_unique<Json>(max_frame)),
      s_(std::make_unique<Scratch>(max_levels == 0 ? 1 : max_levels)) {
  json::preallocate(json_->parser, max_frame);
}

Parser::~Parser() = default;

void Parser::warm() const noexcept {
  shm::prefetch_for_write(this, sizeof *this);
  shm::prefetch_for_write(s_.get(), sizeof(Scratch));
  warm_level_texts(s_->bids.get(), s_->asks.get(), s_->max);
}

namespace {

// The fields of an object `data` (books and bestBidAsk).
ParseStatus read_data_object(od::object d, Message& out, LevelText* bids, LevelText* asks,
                             std::size_t max, std::size_t& nb, std::size_t& na,
                             std::int64_t& data_ts, bool& has_data_ts) noexcept {
  for (auto f : d) {
    std::string_view k;
    od::value v;
    if (!json::key(f, k) || f.value().get(v) != simdjson::SUCCESS) return ParseStatus::malformed;
    ParseStatus st = ParseStatus::ok;
    bool ok = true;
    if (k == "seqNum") {
      ok = json::int_value(v, out.seq_num);
      out.has_seq_num = ok;
    } else if (k == "bids") {
      st = read_levels(v, bids, max, nb);
    } else if (k == "asks") {
      st = read_levels(v, asks, max, na);
    } else if (k == "checksum") {
      ok = json::int_value(v, out.checksum);
      out.has_checksum = ok;
    } else if (k == "marketCode") {
      ok = json::string(v, out.market);
    } else if (k == "timestamp") {
      // A number on `depth`, a string on depthL*, depthUpdate and bestBidAsk (§4.3).
      ok = json::int_value(v, data_ts);
      has_data_ts = ok;
    } else if (k == "bid") {
      ok = read_pair(v, out.best_bid);
    } else if (k == "ask") {
      ok = read_pair(v, out.best_ask);
    }
    if (!ok) return ParseStatus::malformed;
    if (st != ParseStatus::ok) return st;
  }
  return ParseStatus::ok;
}

}  // namespace

ParseStatus Parser::parse(const char* data, std::size_t len, std::size_t capacity,
                          Message& out) noexcept {
  out = Message{};
  Scratch& s = *s_;
  s.reset();
  if (std::string_view(data, len) == "pong") {
    out.kind = MsgKind::pong;
    return ParseStatus::ok;
  }
  od::document doc;
  od::object obj;
  if (!json::top_object(json_->parser, data, len, capacity, doc, obj)) {
    return ParseStatus::malformed;
  }
  for (auto field : obj) {
    std::string_view key;
    od::value v;
    if (!json::key(field, key) || field.value().get(v) != simdjson::SUCCESS) {
      return ParseStatus::malformed;
    }
    bool ok = true;
    if (key == "table") {
      ok = json::string(v, out.table);
    } else if (key == "action") {
      ok = json::string(v, out.action);
    } else if (key == "event") {
      ok = json::string(v, out.event);
    } else if (key == "success") {
      s.has_success = true;
      ok = read_bool(v, s.success);
    } else if (key == "tag") {
      ok = text(v, out.tag);
    } else if (key == "channel") {
      ok = json::string(v, out.channel);
    } else if (key == "code") {
      ok = text(v, out.code);
    } else if (key == "message") {
      ok = json::string(v, out.message);
    } else if (key == "timestamp") {
      ok = json::int_value(v, s.envelope_ts);
    } else if (key == "nonce") {
      s.has_nonce = true;
      if (!text(v, out.nonce)) out.nonce = {};  // its shape is undocumented: presence is enough
    } else if (key == "accountId") {
      ok = text(v, out.account_id);
    } else if (key == "data") {
      od::json_type t{};
      if (v.type().get(t) != simdjson::SUCCESS) return ParseStatus::malformed;
      ParseStatus st = ParseStatus::ok;
      if (t == od::json_type::object) {
        s.data_object = true;
        od::object d;
        if (v.get_object().get(d) != simdjson::SUCCESS) return ParseStatus::malformed;
        st = read_data_object(d, out, s.bids.get(), s.asks.get(), s.max, s.n_bids, s.n_asks,
                              s.data_ts, s.has_data_ts);
      } else if (t == od::json_type::array) {
        s.data_array = true;
        st = read_items(v, s.items.get(), s.max, s.n_items);
      }
      if (st != ParseStatus::ok) return st;
    }
    if (!ok) return ParseStatus::malformed;
  }
  out.ts_ms = s.has_data_ts ? s.data_ts : s.envelope_ts;
  out.bids = {s.bids.get(), s.n_bids};
  out.asks = {s.asks.get(), s.n_asks};
  return classify(out);
}

ParseStatus Parser::classify(Message& out) noexcept {
  const Scratch& s = *s_;
  if (s.has_success && !s.success) {
    out.kind = MsgKind::error;
    return ParseStatus::ok;
  }
  if (!out.table.empty()) return classify_table(out);
  if (s.has_nonce) {
    out.kind = MsgKind::greeting;
  } else if (out.event == "subscribe" && s.has_success) {
    out.kind = MsgKind::subscribe_ack;
  } else if (out.event == "unsubscribe" && s.has_success) {
    out.kind = MsgKind::unsubscribe_ack;
  } else if (out.event == "login" && s.has_success) {
    out.kind = MsgKind::login_ack;
  } else {
    out.kind = MsgKind::other;
  }
  return ParseStatus::ok;
}

ParseStatus Parser::classify_table(Message& out) noexcept {
  Scratch& s = *s_;
  const std::string_view t = out.table;
  const bool book = t == "depthUpdate" || t == "depthUpdate-diff" || t == "depth";
  if (book || t.starts_with("depthL")) {
    if (!s.data_object || out.market.empty()) return ParseStatus::malformed;
    if (book && !out.has_seq_num) return ParseStatus::malformed;
    if (t == "depthUpdate") {
      if (!out.action.empty() && out.action != "partial") return ParseStatus::malformed;
      out.kind = MsgKind::depth_snapshot;
    } else if (t == "depthUpdate-diff") {
      if (!out.action.empty() && out.action != "increment") return ParseStatus::malformed;
      out.kind = MsgKind::depth_diff;
    } else {
      out.kind = t == "depth" ? MsgKind::depth_full : MsgKind::depth_fixed;
    }
    return ParseStatus::ok;
  }
  if (t == "bestBidAsk") {
    if (!s.data_object || out.market.empty()) return ParseStatus::malformed;
    out.kind = MsgKind::best_bid_ask;
    return ParseStatus::ok;
  }
  if (t == "trade") {
    if (!s.data_array) return ParseStatus::malformed;
    for (std::size_t k = 0; k < s.n_items; ++k) {
      const Item& it = s.items[k];
      if (it.market.empty() || it.price.empty() || it.quantity.empty()) {
        return ParseStatus::malformed;
      }
      s.trades[k] = TradeText{it.market, it.price, it.quantity, it.side, it.trade_id, it.ts_ms};
    }
    out.trades = {s.trades.get(), s.n_items};
    out.kind = MsgKind::trades;
    return ParseStatus::ok;
  }
  if (t == "position") {
    if (!s.data_array) return ParseStatus::malformed;
    for (std::size_t k = 0; k < s.n_items; ++k) {
      const Item& it = s.items[k];
      if (!it.has_instrument || it.market.empty() || it.quantity.empty()) {
        return ParseStatus::malformed;
      }
      s.positions[k] =
          PositionFields{it.market, it.quantity, it.entry_price, it.pnl,  it.liquidation_price,
                         it.margin, it.leverage, it.currency,    it.ts_ms};
    }
    out.positions = {s.positions.get(), s.n_items};
    out.kind = MsgKind::positions;
    return ParseStatus::ok;
  }
  if (t == "ticker") return classify_tickers(out);
  out.kind = MsgKind::other;
  return ParseStatus::ok;
}

// A ticker item needs its marketCode and its timestamp, and every reference
// field it carries as a string (docs.ox.fun "Ticker"); anything else makes
// the whole frame malformed, so nothing of it is published.
ParseStatus Parser::classify_tickers(Message& out) noexcept {
  Scratch& s = *s_;
  if (!s.data_array) return ParseStatus::malformed;
  for (std::size_t k = 0; k < s.n_items; ++k) {
    const Item& it = s.items[k];
    if (it.has_instrument || it.market.empty() || !it.has_ts || !it.ts_string ||
        !it.ticker_types_ok) {
      return ParseStatus::malformed;
    }
    s.tickers[k] = TickerText{it.market, it.mark_price, it.index_price, it.open_interest, it.ts_ms};
  }
  out.tickers = {s.tickers.get(), s.n_items};
  out.kind = MsgKind::tickers;
  return ParseStatus::ok;
}

std::int64_t code_value(std::string_view code) noexcept {
  if (code.empty() || code.size() > 18) return 0;
  std::int64_t v = 0;
  for (const char c : code) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace wirebook::feeds::oxfun
