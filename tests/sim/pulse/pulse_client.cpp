// The Pulse reference client (PROTOCOLS.md §2.4–2.6).
#include "pulse/pulse_client.hpp"

#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "venue_clients.hpp"

namespace wirebook::simtest {

namespace od = simdjson::ondemand;
namespace dom = simdjson::dom;

namespace {

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
    read_until_end(ws_, o_.idle_timeout, r, [&](const std::string& m) { handle(m); });
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

ClientResult run_pulse_client(const ClientOptions& o) {
  return PulseClient(o).run();
}

}  // namespace wirebook::simtest
