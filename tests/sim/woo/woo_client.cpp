// The WOO X v2 reference client (PROTOCOLS.md §1.5.4).
#include "woo/woo_client.hpp"

#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "venue_clients.hpp"

namespace wirebook::simtest {

namespace od = simdjson::ondemand;
namespace dom = simdjson::dom;

namespace {

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
    read_until_end(ws_, o_.idle_timeout, r, [&](const std::string& m) { handle(m); });
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

}  // namespace

ClientResult run_woo_client(const ClientOptions& o) {
  return WooClient(o).run();
}

}  // namespace wirebook::simtest
