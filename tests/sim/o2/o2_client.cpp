#include "o2/o2_client.hpp"

#include <simdjson.h>

#include <string_view>

namespace wirebook::simtest {
namespace od = simdjson::ondemand;
namespace {

struct Level {
  bool bid;
  std::int64_t px;
  std::int64_t qty;
};

// Number or string -> scaled value; -1 on anything else.
std::int64_t scaled(od::value v) {
  od::json_type t{};
  if (v.type().get(t) != simdjson::SUCCESS) return -1;
  std::int64_t out = -1;
  if (t == od::json_type::number) {
    if (!parse_scaled(v.raw_json_token(), out)) return -1;
  } else if (t == od::json_type::string) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS || !parse_scaled(s, out)) return -1;
  }
  return out;
}

// [p, q] or {"price":p,"size":q}
bool read_levels(od::value v, bool bid, std::vector<Level>& out) {
  od::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return false;
  for (auto item : arr) {
    od::value lv;
    if (item.get(lv) != simdjson::SUCCESS) return false;
    Level l{bid, -1, -1};
    od::json_type t{};
    if (lv.type().get(t) != simdjson::SUCCESS) return false;
    if (t == od::json_type::array) {
      std::size_t k = 0;
      for (auto e : lv.get_array()) {
        od::value ev;
        if (e.get(ev) != simdjson::SUCCESS || k > 1) return false;
        (k++ == 0 ? l.px : l.qty) = scaled(ev);
      }
    } else {
      for (auto f : lv.get_object()) {
        std::string_view k;
        od::value fv;
        if (f.unescaped_key().get(k) != simdjson::SUCCESS || f.value().get(fv) != simdjson::SUCCESS)
          return false;
        if (k == "price") l.px = scaled(fv);
        if (k == "size") l.qty = scaled(fv);
      }
    }
    if (l.px < 0 || l.qty < 0) return false;
    out.push_back(l);
  }
  return true;
}

struct Market {
  RefBook book;
  bool live = false;
  std::int64_t seq = 0;
};

class O2Client {
 public:
  explicit O2Client(const ClientOptions& o) : o_(o), markets_(o.symbols.size()) {}

  ClientResult run() {
    ClientResult r;
    r.connect_error = ws_.connect(o_.url, o_.ca_file);
    if (!r.connect_error.empty()) return r;
    for (std::size_t i = 0; i < o_.symbols.size(); ++i) {
      for (const char* ch : {"order_book", "trades", "ticker"}) {
        ws_.send(R"({"type":"subscribe","channel":")" + std::string(ch) + R"(","market_id":)" +
                 std::to_string(i + 1) + "}");
      }
    }
    read_until_end(ws_, o_.idle_timeout, r, [&](const std::string& m) {
      ++c_.frames;
      handle(m);
    });
    r.c = c_;
    for (std::size_t i = 0; i < markets_.size(); ++i) r.books[o_.symbols[i]] = markets_[i].book;
    return r;
  }

 private:
  void resubscribe(std::int64_t id) {
    ws_.send(R"({"type":"unsubscribe","channel":"order_book","market_id":)" + std::to_string(id) +
             "}");
    ws_.send(R"({"type":"subscribe","channel":"order_book","market_id":)" + std::to_string(id) +
             "}");
  }

  void handle(const std::string& text) {
    padded_ = simdjson::padded_string(text);
    od::document doc;
    od::object obj;
    if (parser_.iterate(padded_).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(obj) != simdjson::SUCCESS) {
      ++c_.bad_json;
      return;
    }
    std::string_view channel, type;
    std::int64_t id = -1, seq = -1, prev = -1;
    std::vector<Level> levels;
    std::int64_t bid = -1, bid_qty = -1, ask = -1, ask_qty = -1;
    bool ok = true;
    bool trades = false;
    for (auto f : obj) {
      std::string_view k;
      od::value v;
      if (f.unescaped_key().get(k) != simdjson::SUCCESS || f.value().get(v) != simdjson::SUCCESS) {
        ok = false;
        break;
      }
      if (k == "channel") {
        ok = v.get_string().get(channel) == simdjson::SUCCESS;
      } else if (k == "type") {
        ok = v.get_string().get(type) == simdjson::SUCCESS;
      } else if (k == "market_id") {
        ok = v.get_int64().get(id) == simdjson::SUCCESS;
      } else if (k == "seq") {
        ok = v.get_int64().get(seq) == simdjson::SUCCESS;
      } else if (k == "prev_seq") {
        ok = v.get_int64().get(prev) == simdjson::SUCCESS;
      } else if (k == "data") {
        od::json_type t{};
        ok = v.type().get(t) == simdjson::SUCCESS;
        if (ok && t == od::json_type::array) {
          trades = true;
          continue;  // trades: counted, content not needed here
        }
        od::object d;
        ok = ok && v.get_object().get(d) == simdjson::SUCCESS;
        if (!ok) break;
        for (auto df : d) {
          std::string_view dk;
          od::value dv;
          if (df.unescaped_key().get(dk) != simdjson::SUCCESS ||
              df.value().get(dv) != simdjson::SUCCESS) {
            ok = false;
            break;
          }
          if (dk == "bids" || dk == "asks") {
            ok = read_levels(dv, dk == "bids", levels);
          } else if (dk == "best_bid") {
            bid = scaled(dv);
          } else if (dk == "best_bid_size") {
            bid_qty = scaled(dv);
          } else if (dk == "best_ask") {
            ask = scaled(dv);
          } else if (dk == "best_ask_size") {
            ask_qty = scaled(dv);
          }
          if (!ok) break;
        }
      }
      if (!ok) break;
    }
    if (!ok) {
      ++c_.bad_types;
      return;
    }
    if (channel.empty()) {
      ++(type == "error" ? c_.errors : c_.acks);
      return;
    }
    if (id < 1 || static_cast<std::size_t>(id) > markets_.size()) {
      ++c_.bad_types;
      return;
    }
    Market& m = markets_[static_cast<std::size_t>(id - 1)];
    if (type == "subscribed" || type == "unsubscribed") {
      ++c_.acks;
      return;
    }
    if (channel == "trades") {
      c_.trades += trades ? 1 : 0;
      return;
    }
    if (channel == "ticker") {
      ++c_.quotes;
      if (m.live && !top_equals(m.book, bid, bid_qty, ask, ask_qty)) ++c_.quote_mismatch;
      return;
    }
    if (channel != "order_book") return;
    if (type == "snapshot") {
      ++c_.snapshots;
      m.book.clear();
      for (const Level& l : levels) m.book.set(l.bid, l.px, l.qty);
      m.seq = seq;
      m.live = true;
      return;
    }
    ++c_.deltas;
    if (!m.live) return;
    if (seq <= m.seq) {
      ++c_.stale;
    } else if (prev == m.seq) {
      for (const Level& l : levels) m.book.set(l.bid, l.px, l.qty);
      m.seq = seq;
      ++c_.applied;
    } else {
      ++c_.gaps;
      m.live = false;
      resubscribe(id);
    }
  }

  static bool top_equals(const RefBook& b, std::int64_t bp, std::int64_t bq, std::int64_t ap,
                         std::int64_t aq) {
    if (b.bids.empty() || b.asks.empty()) return false;
    return b.bids.begin()->first == bp && b.bids.begin()->second == bq &&
           b.asks.begin()->first == ap && b.asks.begin()->second == aq;
  }

  const ClientOptions& o_;
  WsClient ws_;
  od::parser parser_;
  simdjson::padded_string padded_;
  std::vector<Market> markets_;
  ClientCounters c_;
};

}  // namespace

ClientResult run_o2_client(const ClientOptions& o) {
  return O2Client(o).run();
}

}  // namespace wirebook::simtest
