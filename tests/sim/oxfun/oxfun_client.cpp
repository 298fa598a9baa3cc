#include "oxfun/oxfun_client.hpp"

#include <simdjson.h>

#include "tools/sim/oxfun/oxfun_venue.hpp"

namespace wirebook::simtest {
namespace od = simdjson::ondemand;
namespace {

struct Market {
  RefBook book;
  bool live = false;
  std::int64_t last = 0;  // seqNum the book reflects up to (partial S: S - 1)
  std::vector<std::pair<std::int64_t, std::vector<Change>>> early;  // diffs before the partial
};

class Client {
 public:
  Client(const OxfunClientOptions& o, OxfunClientResult& out) : o_(o), out_(out) {}

  void on_frame(const std::string& msg) {
    ++out_.r.c.frames;
    simdjson::padded_string p(msg);
    od::document doc;
    std::string_view table;
    if (parser_.iterate(p).get(doc) != simdjson::SUCCESS) {
      ++out_.r.c.bad_json;
      return;
    }
    if (doc["table"].get_string().get(table) == simdjson::SUCCESS) {
      on_table(doc, table);
      return;
    }
    doc.rewind();
    on_control(msg);
  }

  // The books as rebuilt, into the result.
  void finish() {
    for (const auto& [market, m] : markets_)
      if (m.live) out_.r.books[market] = m.book;
  }

  std::vector<std::string> pending_sends;

 private:
  void on_control(const std::string& msg) {
    if (msg.find("\"nonce\"") != std::string::npos && !out_.greeted) {
      out_.greeted = true;
      if (!o_.api_key.empty()) {
        const std::string ts =
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
        pending_sends.push_back(R"({"op":"login","tag":1,"data":{"apiKey":")" + o_.api_key +
                                R"(","timestamp":")" + ts + R"(","signature":")" +
                                sim::oxfun_signature(o_.api_secret, ts) + R"("}})");
      }
      std::string sub = R"({"op":"subscribe","tag":103,"args":[)";
      for (std::size_t i = 0; i < o_.base.symbols.size(); ++i) {
        sub += (i ? ",\"depthUpdate:" : "\"depthUpdate:") + o_.base.symbols[i] + "\"";
      }
      pending_sends.push_back(sub + "]}");
      return;
    }
    if (msg.find(R"("event":"login")") != std::string::npos) {
      out_.login_reply = msg;
      out_.logged_in = msg.find(R"("success":true)") != std::string::npos;
      if (out_.logged_in) {
        pending_sends.push_back(R"({"op":"subscribe","args":["position:all"],"tag":102})");
      }
      return;
    }
    if (msg.find(R"("success":true)") != std::string::npos) ++out_.r.c.acks;
    if (msg.find(R"("success":false)") != std::string::npos) ++out_.r.c.errors;
  }

  void on_table(od::document& doc, std::string_view table) {
    if (table == "position") return on_positions(doc);
    if (table != "depthUpdate" && table != "depthUpdate-diff") return;
    std::string_view market;
    std::int64_t seq = 0;
    std::vector<Change> cs;
    if (doc["data"]["marketCode"].get_string().get(market) != simdjson::SUCCESS ||
        doc["data"]["seqNum"].get_int64().get(seq) != simdjson::SUCCESS) {
      ++out_.r.c.bad_types;
      return;
    }
    doc.rewind();
    if (!read_levels(doc, "/data/bids", true, 0, cs) ||
        !read_levels(doc, "/data/asks", false, 0, cs)) {
      ++out_.r.c.bad_types;
      return;
    }
    Market& m = markets_[std::string(market)];
    if (table == "depthUpdate") return on_partial(m, seq, cs);
    ++out_.r.c.deltas;
    if (!m.live) {
      m.early.emplace_back(seq, std::move(cs));
      ++out_.buffered_before_partial;
      return;
    }
    apply(m, seq, cs);
  }

  void on_partial(Market& m, std::int64_t seq, const std::vector<Change>& cs) {
    ++out_.r.c.snapshots;
    m.book.clear();
    apply_changes(m.book, cs);
    m.live = true;
    m.last = seq - 1;  // covers every diff before its seqNum
    for (auto& [s, early] : m.early) {
      if (s > m.last) apply(m, s, early);
    }
    m.early.clear();
  }

  void apply(Market& m, std::int64_t seq, const std::vector<Change>& cs) {
    if (seq <= m.last) {
      ++out_.r.c.gaps;  // non-increasing
      return;
    }
    if (seq != m.last + 1) ++out_.r.c.gaps;  // the simulator's default is contiguous
    m.last = seq;
    apply_changes(m.book, cs);
    ++out_.r.c.applied;
  }

  void on_positions(od::document& doc) {
    ++out_.position_frames;
    od::array data;
    if (doc["data"].get_array().get(data) != simdjson::SUCCESS) return;
    for (auto item : data) {
      std::string_view instrument;
      std::string_view qty;
      if (item["instrumentId"].get_string().get(instrument) != simdjson::SUCCESS ||
          item["quantity"].get_string().get(qty) != simdjson::SUCCESS) {
        ++out_.r.c.bad_types;
        continue;
      }
      OxfunPosition& p = out_.positions[std::string(instrument)];
      p.quantity = std::string(qty);
      p.was_short = p.was_short || qty.starts_with('-');
      p.was_long = p.was_long || (!qty.starts_with('-') && qty != "0");
      ++p.updates;
    }
  }

  const OxfunClientOptions& o_;
  OxfunClientResult& out_;
  od::parser parser_;
  std::map<std::string, Market> markets_;
};

}  // namespace

OxfunClientResult run_oxfun_client(const OxfunClientOptions& o) {
  OxfunClientResult out;
  WsClient ws;
  out.r.connect_error = ws.connect(o.base.url, o.base.ca_file);
  if (!out.r.connect_error.empty()) return out;
  Client client(o, out);
  read_until_end(ws, o.base.idle_timeout, out.r, [&](const std::string& msg) {
    client.on_frame(msg);
    for (const auto& s : client.pending_sends) ws.send(s);
    client.pending_sends.clear();
  });
  client.finish();
  return out;
}

}  // namespace wirebook::simtest
