#include "venue_clients.hpp"

#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace wirebook::simtest {

namespace od = simdjson::ondemand;
namespace dom = simdjson::dom;

namespace {

struct Change {
  bool bid;
  std::int64_t px;
  std::int64_t qty;
};

// Reads `[[p,q],...]` (WOO) or `[[action,p,q],...]` (Pulse) at `pointer`,
// taking the exact number text. False on any type problem.
bool read_levels(od::document& doc, std::string_view pointer, bool bid, std::size_t price_index,
                 std::vector<Change>& out) {
  od::array arr;
  if (doc.at_pointer(pointer).get_array().get(arr) != simdjson::SUCCESS) return false;
  for (auto lv_result : arr) {
    od::array lv;
    if (lv_result.get_array().get(lv) != simdjson::SUCCESS) return false;
    std::size_t i = 0;
    Change c{bid, -1, -1};
    for (auto x_result : lv) {
      od::value x;
      if (x_result.get(x) != simdjson::SUCCESS) return false;
      if (i == price_index || i == price_index + 1) {
        od::json_type t;
        if (x.type().get(t) != simdjson::SUCCESS || t != od::json_type::number) return false;
        std::int64_t v = 0;
        if (!parse_scaled(x.raw_json_token(), v)) return false;
        (i == price_index ? c.px : c.qty) = v;
      } else {
        std::string_view action;
        if (x.get_string().get(action) != simdjson::SUCCESS) return false;
        if (action != "new" && action != "change" && action != "delete") return false;
      }
      ++i;
    }
    if (c.px < 0 || c.qty < 0) return false;
    out.push_back(c);
  }
  return true;
}

bool top_equals(const RefBook& b, std::int64_t bid_px, std::int64_t bid_qty, std::int64_t ask_px,
                std::int64_t ask_qty) {
  if (b.bids.empty() || b.asks.empty()) return false;
  return b.bids.begin()->first == bid_px && b.bids.begin()->second == bid_qty &&
         b.asks.begin()->first == ask_px && b.asks.begin()->second == ask_qty;
}

// A number's exact text at a JSON pointer, scaled; -1 when absent or not a number.
std::int64_t raw_scaled(od::document& doc, std::string_view pointer) {
  od::value v;
  if (doc.at_pointer(pointer).get(v) != simdjson::SUCCESS) return -1;
  std::int64_t out = -1;
  if (!parse_scaled(v.raw_json_token(), out)) return -1;
  return out;
}

// ---------------------------------------------------------------- WOO X v2
struct WooDelta {
  std::int64_t ts;
  std::int64_t prev;
  std::vector<Change> changes;
};

struct WooSym {
  RefBook book;
  bool live = false;
  std::int64_t last = 0;
  std::vector<WooDelta> buffer;
};

void apply_changes(RefBook& b, const std::vector<Change>& cs) {
  for (const Change& c : cs) b.set(c.bid, c.px, c.qty);
}

class WooClient {
 public:
  explicit WooClient(const ClientOptions& o) : o_(o) {}

  ClientResult run() {
    ClientResult r;
    r.connect_error = ws_.connect(o_.url, o_.ca_file);
    if (!r.connect_error.empty()) return r;
    for (std::size_t i = 0; i < o_.symbols.size(); ++i) {
      const std::string& s = o_.symbols[i];
      ws_.send(R"({"id":"s)" + std::to_string(i) + R"(","topic":")" + s +
               R"(@orderbookupdate","event":"subscribe"})");
      if (o_.woo_snapshots)
        ws_.send(R"({"id":"o)" + std::to_string(i) + R"(","topic":")" + s +
                 R"(@orderbook","event":"subscribe"})");
      ws_.send(R"({"id":"b)" + std::to_string(i) + R"(","topic":")" + s +
               R"(@bbo","event":"subscribe"})");
      ws_.send(R"({"id":"t)" + std::to_string(i) + R"(","topic":")" + s +
               R"(@trade","event":"subscribe"})");
    }
    for (const std::string& s : o_.symbols) request(s);
    std::string msg;
    for (;;) {
      const ReadStatus st = ws_.read(msg, o_.idle_timeout);
      if (st == ReadStatus::ok) {
        handle(msg);
        continue;
      }
      if (st == ReadStatus::closed) {
        r.close_code = ws_.close_code();
        r.end = "closed " + std::to_string(ws_.close_code()) + " " + ws_.close_reason();
      } else {
        r.end = st == ReadStatus::timeout ? "timeout" : "error " + ws_.error_text();
      }
      break;
    }
    r.c = c_;
    for (auto& [name, s] : syms_) r.books[name] = s.book;
    return r;
  }

 private:
  void request(const std::string& sym) {
    ws_.send(R"({"id":")" + sym +
             R"(@ob","event":"request","params":{"type":"orderbook","symbol":")" + sym + R"("}})");
  }

  void resync(WooSym& s, const std::string& sym, WooDelta d) {
    ++c_.gaps;
    if (!o_.resync) {  // chain ignored on purpose: apply and drift from the truth
      apply_changes(s.book, d.changes);
      s.last = d.ts;
      return;
    }
    s.live = false;
    s.buffer.clear();
    s.buffer.push_back(std::move(d));
    request(sym);
  }

  void handle(const std::string& msg) {
    ++c_.frames;
    if (msg.size() > (1U << 20U)) ++c_.oversize;
    dom::element e;
    if (dparser_.parse(msg).get(e) != simdjson::SUCCESS || !e.is_object()) {
      ++c_.bad_json;
      return;
    }
    std::string_view event;
    std::string_view topic;
    if (e["event"].get_string().get(event) == simdjson::SUCCESS) return on_event(e, event, msg);
    if (e["topic"].get_string().get(topic) != simdjson::SUCCESS) {
      ++c_.bad_types;
      return;
    }
    const std::size_t at = topic.find('@');
    const std::string sym(topic.substr(0, at));
    const std::string_view kind = topic.substr(at + 1);
    std::int64_t ts = 0;
    if (e["ts"].get_int64().get(ts) != simdjson::SUCCESS) {
      ++c_.bad_types;
      return;
    }
    WooSym& s = syms_[sym];
    if (kind == "orderbookupdate") {
      WooDelta d{ts, 0, {}};
      padded_ = simdjson::padded_string(msg);
      od::document doc;
      const bool ok = e["data"]["prevTs"].get_int64().get(d.prev) == simdjson::SUCCESS &&
                      oparser_.iterate(padded_).get(doc) == simdjson::SUCCESS &&
                      read_levels(doc, "/data/asks", false, 0, d.changes) &&
                      read_levels(doc, "/data/bids", true, 0, d.changes);
      if (!ok) {  // wrong types: the delta is unusable, so the chain is broken
        ++c_.bad_types;
        if (s.live) resync(s, sym, WooDelta{ts, -1, {}});
        return;
      }
      ++c_.deltas;
      if (last_delta_ts_ != 0)
        c_.max_delta_gap_ms = std::max(c_.max_delta_gap_ms, ts - last_delta_ts_);
      last_delta_ts_ = ts;
      if (!s.live) {
        s.buffer.push_back(std::move(d));
      } else if (d.prev == s.last) {
        apply_changes(s.book, d.changes);
        s.last = d.ts;
        ++c_.applied;
      } else if (d.ts <= s.last) {
        ++c_.stale;
      } else {
        resync(s, sym, std::move(d));
      }
    } else if (kind == "orderbook") {
      if (!s.live) return;
      RefBook push;
      std::vector<Change> cs;
      padded_ = simdjson::padded_string(msg);
      od::document doc;
      if (oparser_.iterate(padded_).get(doc) != simdjson::SUCCESS ||
          !read_levels(doc, "/data/asks", false, 0, cs) ||
          !read_levels(doc, "/data/bids", true, 0, cs)) {
        ++c_.bad_types;
        return;
      }
      apply_changes(push, cs);
      if (ts == s.last) {
        const bool same = push.bids == s.book.bids && push.asks == s.book.asks;
        ++(same ? c_.push_checks : c_.push_mismatch);
      } else if (ts > s.last) {  // we missed something the push already contains
        s.book = push;
        s.last = ts;
        ++c_.push_resyncs;
      }
    } else if (kind == "bbo") {
      ++c_.quotes;
      if (s.live && ts == s.last) {
        padded_ = simdjson::padded_string(msg);
        od::document doc;
        if (oparser_.iterate(padded_).get(doc) != simdjson::SUCCESS) return;
        const std::int64_t bid = raw_scaled(doc, "/data/bid"),
                           bid_qty = raw_scaled(doc, "/data/bidSize");
        const std::int64_t ask = raw_scaled(doc, "/data/ask"),
                           ask_qty = raw_scaled(doc, "/data/askSize");
        if (!top_equals(s.book, bid, bid_qty, ask, ask_qty)) {
          ++c_.quote_mismatch;
          if (std::getenv("SIMTEST_DEBUG") != nullptr)
            std::fprintf(stderr, "bbo mismatch %s book %s@%s %s@%s\n", msg.c_str(),
                         scaled_text(s.book.bids.begin()->first).c_str(),
                         scaled_text(s.book.bids.begin()->second).c_str(),
                         scaled_text(s.book.asks.begin()->first).c_str(),
                         scaled_text(s.book.asks.begin()->second).c_str());
        }
      }
    } else if (kind == "trade") {
      ++c_.trades;
    }
  }

  void on_event(dom::element e, std::string_view event, const std::string& msg) {
    bool success = true;
    if (e["success"].get_bool().get(success) != simdjson::SUCCESS) success = true;
    if (event == "ping") {
      ++c_.pings;
      if (o_.answer_pings) ws_.send(R"({"event":"pong"})");
      return;
    }
    if (!success) {
      ++c_.errors;
      return;
    }
    if (event != "request") {
      ++c_.acks;
      return;
    }
    std::string_view sym;
    std::int64_t key = 0;
    if (e["data"]["symbol"].get_string().get(sym) != simdjson::SUCCESS ||
        e["data"]["ts"].get_int64().get(key) != simdjson::SUCCESS) {
      ++c_.bad_types;
      return;
    }
    WooSym& s = syms_[std::string(sym)];
    std::vector<Change> cs;
    padded_ = simdjson::padded_string(msg);
    od::document doc;
    if (oparser_.iterate(padded_).get(doc) != simdjson::SUCCESS ||
        !read_levels(doc, "/data/asks", false, 0, cs) ||
        !read_levels(doc, "/data/bids", true, 0, cs)) {
      ++c_.bad_types;
      return;
    }
    ++c_.snapshots;
    // PROTOCOLS §1.5.4: reset to the snapshot, then replay buffered deltas
    // from the one whose prevTs equals the snapshot's data.ts.
    s.book.clear();
    apply_changes(s.book, cs);
    s.last = key;
    s.live = true;
    std::vector<WooDelta> buffered = std::move(s.buffer);
    s.buffer.clear();
    for (std::size_t i = 0; i < buffered.size(); ++i) {
      WooDelta& d = buffered[i];
      if (d.prev < s.last) continue;
      if (d.prev == s.last) {
        apply_changes(s.book, d.changes);
        s.last = d.ts;
        ++c_.applied;
        continue;
      }
      resync(s, std::string(sym), std::move(d));
      for (std::size_t k = i + 1; k < buffered.size(); ++k)
        s.buffer.push_back(std::move(buffered[k]));
      return;
    }
  }

  const ClientOptions& o_;
  WsClient ws_;
  dom::parser dparser_;
  od::parser oparser_;
  simdjson::padded_string padded_;
  std::map<std::string, WooSym> syms_;
  ClientCounters c_;
  std::int64_t last_delta_ts_ = 0;
};

// ---------------------------------------------------------------- Pulse
struct PulseChan {
  RefBook book;
  bool live = false;
  std::int64_t last = 0;
};

class PulseClient {
 public:
  explicit PulseClient(const ClientOptions& o) : o_(o) {}

  ClientResult run() {
    ClientResult r;
    r.connect_error = ws_.connect(o_.url, o_.ca_file);
    if (!r.connect_error.empty()) return r;
    std::string chans;
    for (const std::string& s : o_.symbols) {
      if (!chans.empty()) chans += ',';
      chans += "\"book." + s + ".raw\",\"quote." + s + "\"";
      if (o_.pulse_100ms) chans += ",\"book." + s + ".100ms\"";
    }
    if (o_.heartbeat_interval_s > 0)
      ws_.send(R"({"jsonrpc":"2.0","id":1,"method":"public/set_heartbeat","params":{"interval":)" +
               std::to_string(o_.heartbeat_interval_s) + "}}");
    ws_.send(R"({"jsonrpc":"2.0","id":2,"method":"public/subscribe","params":{"channels":[)" +
             chans + "]}}");
    std::string msg;
    for (;;) {
      const ReadStatus st = ws_.read(msg, o_.idle_timeout);
      if (st == ReadStatus::ok) {
        handle(msg);
        continue;
      }
      if (st == ReadStatus::closed) {
        r.close_code = ws_.close_code();
        r.end = "closed " + std::to_string(ws_.close_code()) + " " + ws_.close_reason();
      } else {
        r.end = st == ReadStatus::timeout ? "timeout" : "error " + ws_.error_text();
      }
      break;
    }
    r.c = c_;
    for (auto& [name, ch] : raw_) r.books[name] = ch.book;
    for (auto& [name, ch] : agg_) r.agg_books[name] = ch.book;
    return r;
  }

 private:
  void resubscribe(const std::string& channel) {
    // PROTOCOLS §2.5: a second subscribe of an active channel sends no new
    // snapshot, so unsubscribe first.
    ws_.send(R"({"jsonrpc":"2.0","id":3,"method":"public/unsubscribe","params":{"channels":[")" +
             channel + R"("]}})");
    ws_.send(R"({"jsonrpc":"2.0","id":4,"method":"public/subscribe","params":{"channels":[")" +
             channel + R"("]}})");
  }

  void handle(const std::string& msg) {
    ++c_.frames;
    if (msg.size() > (1U << 20U)) ++c_.oversize;
    dom::element e;
    if (dparser_.parse(msg).get(e) != simdjson::SUCCESS || !e.is_object()) {
      ++c_.bad_json;
      return;
    }
    std::string_view method;
    if (e["method"].get_string().get(method) != simdjson::SUCCESS) {
      dom::element err;
      ++(e["error"].get(err) == simdjson::SUCCESS ? c_.errors : c_.acks);
      return;
    }
    if (method == "heartbeat") {
      std::string_view type;
      if (e["params"]["type"].get_string().get(type) == simdjson::SUCCESS &&
          type == "test_request") {
        ++c_.pings;
        if (o_.answer_pings)
          ws_.send(R"({"jsonrpc":"2.0","id":9,"method":"public/test","params":{}})");
      }
      return;
    }
    std::string_view channel;
    if (method != "subscription" ||
        e["params"]["channel"].get_string().get(channel) != simdjson::SUCCESS) {
      ++c_.bad_types;
      return;
    }
    dom::element data = e["params"]["data"];
    if (channel.starts_with("quote.")) {
      ++c_.quotes;
      const PulseChan& ch = raw_[std::string(channel.substr(6))];
      if (!ch.live) return;
      padded_ = simdjson::padded_string(msg);
      od::document doc;
      if (oparser_.iterate(padded_).get(doc) != simdjson::SUCCESS) return;
      const std::int64_t bid = raw_scaled(doc, "/params/data/best_bid_price");
      const std::int64_t bid_qty = raw_scaled(doc, "/params/data/best_bid_amount");
      const std::int64_t ask = raw_scaled(doc, "/params/data/best_ask_price");
      const std::int64_t ask_qty = raw_scaled(doc, "/params/data/best_ask_amount");
      if (!top_equals(ch.book, bid, bid_qty, ask, ask_qty)) ++c_.quote_mismatch;
      return;
    }
    const std::string_view rest = channel.substr(5);
    const std::size_t dot = rest.rfind('.');
    const std::string instr(rest.substr(0, dot));
    const bool raw = rest.substr(dot + 1) == "raw";
    PulseChan& ch = raw ? raw_[instr] : agg_[instr];
    std::string_view type;
    std::int64_t change_id = 0;
    std::vector<Change> cs;
    padded_ = simdjson::padded_string(msg);
    od::document doc;
    const bool ok = data["type"].get_string().get(type) == simdjson::SUCCESS &&
                    data["change_id"].get_int64().get(change_id) == simdjson::SUCCESS &&
                    oparser_.iterate(padded_).get(doc) == simdjson::SUCCESS &&
                    read_levels(doc, "/params/data/bids", true, 1, cs) &&
                    read_levels(doc, "/params/data/asks", false, 1, cs);
    if (!ok) {
      ++c_.bad_types;
      if (ch.live && o_.resync) {
        ++c_.gaps;
        ch.live = false;
        resubscribe(std::string(channel));
      }
      return;
    }
    if (type == "snapshot") {  // key on type, not on prev_change_id (§2.4)
      ++c_.snapshots;
      ch.book.clear();
      apply_changes(ch.book, cs);
      ch.last = change_id;
      ch.live = true;
      return;
    }
    std::int64_t prev = 0;
    if (data["prev_change_id"].get_int64().get(prev) != simdjson::SUCCESS) {
      ++c_.bad_types;
      if (ch.live && o_.resync) {
        ++c_.gaps;
        ch.live = false;
        resubscribe(std::string(channel));
      }
      return;
    }
    if (raw) ++c_.deltas;
    if (!ch.live) return;  // between our unsubscribe and the fresh snapshot
    if (prev == ch.last) {
      apply_changes(ch.book, cs);
      ch.last = change_id;
      ++c_.applied;
    } else if (change_id <= ch.last) {
      ++c_.stale;
    } else {
      ++c_.gaps;
      if (o_.resync) {
        ch.live = false;
        resubscribe(std::string(channel));
      } else {
        apply_changes(ch.book, cs);
        ch.last = change_id;
      }
    }
  }

  const ClientOptions& o_;
  WsClient ws_;
  dom::parser dparser_;
  od::parser oparser_;
  simdjson::padded_string padded_;
  std::map<std::string, PulseChan> raw_;
  std::map<std::string, PulseChan> agg_;
  ClientCounters c_;
};

}  // namespace

ClientResult run_woo_client(const ClientOptions& o) {
  return WooClient(o).run();
}
ClientResult run_pulse_client(const ClientOptions& o) {
  return PulseClient(o).run();
}

std::string compare_books(const std::map<std::string, RefBook>& books, const std::string& truth,
                          const std::string& venue) {
  const auto all = parse_truth(truth);
  const auto it = all.find(venue);
  if (it == all.end()) return "no truth for venue " + venue;
  std::string diff;
  for (const auto& [sym, t] : it->second) {
    const auto b = books.find(sym);
    if (b == books.end()) {
      diff += sym + ": no client book\n";
      continue;
    }
    const Levels bids = b->second.bid_text();
    const Levels asks = b->second.ask_text();
    if (bids != t.bids || asks != t.asks) {
      diff += sym + ": differs (client " + std::to_string(bids.size()) + "/" +
              std::to_string(asks.size()) + " levels, truth " + std::to_string(t.bids.size()) +
              "/" + std::to_string(t.asks.size()) + ")";
      for (std::size_t i = 0; i < std::min(bids.size(), t.bids.size()); ++i) {
        if (bids[i] != t.bids[i]) {
          diff += " first bid diff at " + std::to_string(i) + ": " + bids[i].first + "@" +
                  bids[i].second + " vs " + t.bids[i].first + "@" + t.bids[i].second;
          break;
        }
      }
      diff += "\n";
    }
  }
  return diff;
}

}  // namespace wirebook::simtest
