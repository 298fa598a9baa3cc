// WOO X simulator. v2 frame shapes follow PROTOCOLS.md §1.3 (control frames),
// §1.4 (server pings), §1.5 (orderbook / orderbookupdate / request, the prevTs
// chain) and §1.6 (trade, bbo). v3 (protocol=v3) follows §1.4 and §1.9:
// SUBSCRIBE with at most 10 topics, acks listing the topics taken, 100 topics
// per connection, orderbookupdate@SYM@{50|200|500} and bbo@SYM with string
// levels chained on data.ts, PING/PONG with no server ping and a silent socket
// closed, a connection cap, and the REST book GET /v3/public/orderbook on the
// same port (optionally behind the socket, as the probe saw).
//
// Reference channels (refdata_spec §1, §2), pushed every ref_ms to the
// sessions that subscribed: v2 {sym}@markprice / @indexprice (data.price),
// @estfundingrate (data.fundingRate, fundingTs) and @openinterest
// (data.openInterest), JSON numbers, exchange time the envelope ts; v3
// markprice@{sym} (px), estfundingrate@{sym} (r, ft), openinterest@{sym}
// (oi), strings with data.ts, and indexprice@SPOT_X_Y keyed by the spot
// symbol (indexprice@PERP_.. is refused, as the probe saw). Mark, funding and
// open interest exist for derivatives only (v2: a SPOT_ topic is acked and
// stays silent; v3: refused). Values are exact decimals, a pure function of
// the push round and the symbol; the last sent are kept per symbol
// (woo_reference_sent).
#include "tools/sim/woo/woo_venue.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>

#include <simdjson.h>

#include "tools/sim/json_reader.hpp"
#include "tools/sim/text.hpp"

namespace wirebook::sim {
namespace {

enum Topic : std::uint8_t {
  kDelta = 1U << 0U,     // @orderbookupdate
  kSnapshot = 1U << 1U,  // @orderbook, @orderbook100
  kTrade = 1U << 2U,
  kBbo = 1U << 3U,
  kMark = 1U << 4U,          // @markprice
  kIndex = 1U << 5U,         // v2 @indexprice (v3: WooSession::indexes)
  kFunding = 1U << 6U,       // @estfundingrate
  kOpenInterest = 1U << 7U,  // @openinterest
};
constexpr std::uint8_t kDerivativeOnly = kMark | kFunding | kOpenInterest;

bool is_spot(std::string_view name) {
  return name.substr(0, 5) == "SPOT_";
}

// The spot symbol that keys a symbol's index (PERP_BTC_USDT -> SPOT_BTC_USDT).
std::string index_key(std::string_view name) {
  const std::size_t type_end = name.find('_');
  if (type_end == std::string_view::npos || type_end == 0) return {};
  return "SPOT" + std::string(name.substr(type_end));
}

// The reference channel of a topic kind (v2 suffix, v3 prefix); 0: none.
std::uint8_t reference_kind(std::string_view kind) {
  if (kind == "markprice") return kMark;
  if (kind == "indexprice") return kIndex;
  if (kind == "estfundingrate") return kFunding;
  if (kind == "openinterest") return kOpenInterest;
  return 0;
}

bool topic_kind(std::string_view kind, std::uint8_t& bit) {
  if (kind == "orderbookupdate")
    bit = kDelta;
  else if (kind == "orderbook" || kind == "orderbook100")
    bit = kSnapshot;
  else if (kind == "trade")
    bit = kTrade;
  else if (kind == "bbo")
    bit = kBbo;
  else if (const std::uint8_t r = reference_kind(kind); r != 0)
    bit = r;
  else
    return false;
  return true;
}

class WooVenue;

class WooSession final : public VenueSession {
 public:
  WooSession(Venue& v, Connection& c, std::size_t symbols, Clock::time_point now)
      : VenueSession(v, c), topics(symbols, 0), next_ping(now), opened(now), last_rx(now) {}
  void on_text(std::string_view text) override;
  [[nodiscard]] std::size_t subscriptions() const override {
    std::size_t n = 0;
    for (std::uint8_t t : topics) n += static_cast<std::size_t>(__builtin_popcount(t));
    return n + indexes.size();
  }

  std::vector<std::uint8_t> topics;  // per symbol, Topic bits
  std::vector<std::string> indexes;  // v3 indexprice@SPOT_X_Y keys taken
  Clock::time_point next_ping;
  Clock::time_point opened;
  Clock::time_point last_rx;  // v3: the last client frame
  bool awaiting_pong = false;
  int missed_pongs = 0;
};

// v3 limits (PROTOCOLS §1.9, probed).
constexpr std::size_t kV3TopicsPerRequest = 10;
constexpr std::size_t kV3TopicsPerConnection = 100;

class WooVenue final : public Venue, public HttpResponder {
 public:
  WooVenue(const VenueModule& module, VenueOptions opts, WooOptions woo)
      : Venue(module, std::move(opts)),
        woo_(woo),
        dirty_(symbols().size(), false),
        lag_book_(symbols().size()),
        lag_events_(symbols().size(), 0),
        ref_sent_(symbols().size()) {
    next_snapshot_ = Clock::now();
    next_ref_ = next_snapshot_ + std::chrono::milliseconds(woo_.ref_ms);
    for (const SymbolSpec& sp : symbols()) index_keys_.push_back(index_key(sp.name));
  }

  bool reference_sent(std::string_view symbol, WooReferenceSent& out) {
    const auto sym = find_symbol(symbol);
    if (!sym) return false;
    const std::lock_guard lock(ref_mutex_);
    out = ref_sent_[*sym];
    return true;
  }

  void handle(WooSession& s, std::string_view text);
  [[nodiscard]] HttpResponder* rest() noexcept override { return woo_.v3 ? this : nullptr; }
  int http_get(std::string_view target, std::string& body) override;

 protected:
  std::unique_ptr<VenueSession> make_session(Connection& conn) override {
    auto s = std::make_unique<WooSession>(*this, conn, symbols().size(), Clock::now());
    s->next_ping += std::chrono::milliseconds(woo_.ping_ms);
    return s;
  }
  void delta_recipients(std::size_t sym, std::vector<Connection*>& out) override {
    recipients(sym, kDelta, out);
  }
  void on_event(std::size_t sym, const BookEvent& ev) override;
  void on_timer(Clock::time_point now) override;
  // v3 clients drop a delta the book already holds (a REST book may be ahead
  // of the socket), so a duplicate is harmless there; in v2 it is a break.
  [[nodiscard]] bool breaks_chain(FaultKind kind) const noexcept override {
    return !(woo_.v3 && kind == FaultKind::dup);
  }

 private:
  void recipients(std::size_t sym, std::uint8_t bit, std::vector<Connection*>& out) {
    for_each_session([&](VenueSession& vs) {
      auto& s = static_cast<WooSession&>(vs);
      if ((s.topics[sym] & bit) != 0) out.push_back(&s.conn());
    });
  }
  void send_to(std::size_t sym, std::uint8_t bit, const SharedFrame& f) {
    others_.clear();
    recipients(sym, bit, others_);
    for (Connection* c : others_) send(*c, f);
  }
  // How a level is written: v2 WebSocket [px,qty] number pairs, v3
  // ["px","qty"] string pairs, or the REST book's {"price":"..","quantity":".."}
  // objects.
  struct LevelStyle {
    std::string_view open;
    std::string_view middle;
    std::string_view close;
  };
  static constexpr LevelStyle kPairs{"[", ",", "]"};
  static constexpr LevelStyle kStringPairs{"[\"", "\",\"", "\"]"};
  static constexpr LevelStyle kObjects{"{\"price\":\"", "\",\"quantity\":\"", "\"}"};
  void append_level(std::string& out, std::size_t sym, std::int64_t px, std::int64_t qty,
                    const LevelStyle& style) const {
    out += style.open;
    append_px(out, sym, px);
    out += style.middle;
    append_qty(out, sym, qty);
    out += style.close;
  }
  // The whole book's side, best first.
  void append_levels(std::string& out, std::size_t sym, book::Side side,
                     const LevelStyle& style = kPairs) const;
  // The changes of one event on `side`, in their order.
  void append_changes(std::string& out, std::size_t sym, const std::vector<LevelChange>& changes,
                      book::Side side, const LevelStyle& style) const;
  void append_px(std::string& out, std::size_t sym, std::int64_t px) const {
    append_decimal(out, px, symbols()[sym].px_exp);
  }
  void append_qty(std::string& out, std::size_t sym, std::int64_t qty) const {
    append_decimal(out, qty, symbols()[sym].qty_exp);
  }
  [[nodiscard]] std::string book_frame(std::size_t sym) const;
  void reply(WooSession& s, const std::string& id, std::string_view event, bool ok,
             std::string_view error, std::string_view extra = {});
  void subscribe(WooSession& s, const std::string& id, std::string_view event,
                 std::string_view topic);
  void request(WooSession& s, const std::string& id, simdjson::dom::element msg);
  // v3
  void on_event_v3(std::size_t sym, const BookEvent& ev);
  void on_timer_v3(Clock::time_point now);
  void handle_v3(WooSession& s, const std::string& id, simdjson::dom::element msg);
  void subscribe_v3(WooSession& s, const std::string& id, std::string_view cmd,
                    simdjson::dom::element msg);
  bool take_topic_v3(WooSession& s, std::string_view topic, bool add);
  void reply_v3(WooSession& s, const std::string& id, std::string_view cmd, bool ok,
                std::string_view extra);
  [[nodiscard]] std::string rest_book(std::size_t sym) const;
  // reference channels
  struct RefValues {
    std::string mark, index, rate, oi;
    std::int64_t next_funding_ms = 0;
  };
  [[nodiscard]] RefValues reference_values(std::size_t sym) const;
  // The first symbol whose index is `key` (its spec prices the index).
  [[nodiscard]] std::size_t first_with_key(std::string_view key) const {
    return static_cast<std::size_t>(std::find(index_keys_.begin(), index_keys_.end(), key) -
                                    index_keys_.begin());
  }
  void push_reference(Clock::time_point now);
  void push_reference_v2(std::size_t sym, const RefValues& v, std::int64_t ts);
  void push_reference_v3(std::size_t sym, const RefValues& v, std::int64_t ts);
  void push_index_v3(std::string_view key, std::int64_t ts);
  [[nodiscard]] std::string ref_frame(std::string_view topic, std::int64_t ts,
                                      std::string_view symbol_key, std::string_view fields,
                                      std::int64_t data_ts) const;
  [[nodiscard]] bool take_index_v3(WooSession& s, std::string_view key, bool add);

  WooOptions woo_;
  simdjson::dom::parser parser_;
  std::vector<bool> dirty_;  // changed since the last @orderbook push
  std::vector<Connection*> others_;
  Clock::time_point next_snapshot_;
  std::vector<std::string> lag_book_;  // v3: an older REST book per symbol ("" none)
  std::vector<int> lag_events_;        // events since it was taken
  Clock::time_point next_ref_;
  std::uint64_t ref_round_ = 0;
  std::vector<std::string> index_keys_;  // per symbol: its index's spot symbol
  std::mutex ref_mutex_;                 // ref_sent_ is read from test threads
  std::vector<WooReferenceSent> ref_sent_;
};

void WooSession::on_text(std::string_view text) {
  static_cast<WooVenue&>(venue_).handle(*this, text);
}

void WooVenue::append_levels(std::string& out, std::size_t sym, book::Side side,
                             const LevelStyle& style) const {
  const book::L2Book& b = generator(sym).book();
  std::vector<book::Level> lv(b.level_count(side));
  lv.resize(b.copy_top(side, lv.data(), lv.size()));
  out += '[';
  for (std::size_t i = 0; i < lv.size(); ++i) {
    if (i != 0) out += ',';
    append_level(out, sym, lv[i].px, lv[i].qty, style);
  }
  out += ']';
}

void WooVenue::append_changes(std::string& out, std::size_t sym,
                              const std::vector<LevelChange>& changes, book::Side side,
                              const LevelStyle& style) const {
  out += '[';
  bool first = true;
  for (const LevelChange& c : changes) {
    if (c.side != side) continue;
    if (!first) out += ',';
    first = false;
    append_level(out, sym, c.px, c.qty, style);
  }
  out += ']';
}

std::string WooVenue::book_frame(std::size_t sym) const {
  // @orderbook push: the whole book, ts = the ts of the last change, so it
  // sits on the prevTs chain (PROTOCOLS §1.5.3).
  std::string f = "{\"topic\":\"";
  f += symbols()[sym].name;
  f += "@orderbook\",\"ts\":";
  append_int(f, last_ts_ms(sym));
  f += ",\"data\":{\"symbol\":\"";
  f += symbols()[sym].name;
  f += "\",\"asks\":";
  append_levels(f, sym, book::Side::ask);
  f += ",\"bids\":";
  append_levels(f, sym, book::Side::bid);
  f += "}}";
  return f;
}

void WooVenue::on_event(std::size_t sym, const BookEvent& ev) {
  if (woo_.v3) {
    on_event_v3(sym, ev);
    return;
  }
  const std::string& name = symbols()[sym].name;
  const std::int64_t prev = last_ts_ms(sym);
  const std::int64_t ts = next_ts_ms(sym);
  auto format = [&](const std::vector<LevelChange>& changes) {
    std::string f;
    f.reserve(256);
    f += "{\"topic\":\"";
    f += name;
    f += "@orderbookupdate\",\"ts\":";
    append_int(f, ts);
    f += ",\"data\":{\"symbol\":\"";
    f += name;
    f += "\",\"prevTs\":";
    append_int(f, prev);
    f += ",\"asks\":";
    append_changes(f, sym, changes, book::Side::ask, kPairs);
    f += ",\"bids\":";
    append_changes(f, sym, changes, book::Side::bid, kPairs);
    f += "}}";
    return f;
  };
  dirty_[sym] = true;
  deliver_delta(sym, ev, "prevTs", format);
  if (ev.has_trade) {
    std::string t = "{\"topic\":\"" + name + "@trade\",\"ts\":";
    append_int(t, ts);
    t += ",\"data\":{\"symbol\":\"" + name + "\",\"price\":";
    append_px(t, sym, ev.trade.px);
    t += ",\"size\":";
    append_qty(t, sym, ev.trade.qty);
    t += ev.trade.buy ? ",\"side\":\"BUY\",\"source\":1}}" : ",\"side\":\"SELL\",\"source\":1}}";
    send_to(sym, kTrade, make_frame(std::move(t)));
  }
  if (ev.top_changed) {
    book::Level bid{}, ask{};
    const book::L2Book& b = generator(sym).book();
    if (b.best(book::Side::bid, bid) && b.best(book::Side::ask, ask)) {
      std::string q = "{\"topic\":\"" + name + "@bbo\",\"ts\":";
      append_int(q, ts);
      q += ",\"data\":{\"symbol\":\"" + name + "\",\"ask\":";
      append_px(q, sym, ask.px);
      q += ",\"askSize\":";
      append_qty(q, sym, ask.qty);
      q += ",\"bid\":";
      append_px(q, sym, bid.px);
      q += ",\"bidSize\":";
      append_qty(q, sym, bid.qty);
      q += "}}";
      send_to(sym, kBbo, make_frame(std::move(q)));
    }
  }
}

void WooVenue::on_timer(Clock::time_point now) {
  push_reference(now);
  if (woo_.v3) {
    on_timer_v3(now);
    return;
  }
  if (now >= next_snapshot_) {
    next_snapshot_ = now + std::chrono::milliseconds(woo_.snapshot_ms);
    for (std::size_t sym = 0; sym < dirty_.size(); ++sym) {
      if (!dirty_[sym]) continue;  // pushed only on change (PROTOCOLS §1.5.2)
      others_.clear();
      recipients(sym, kSnapshot, others_);
      if (others_.empty()) continue;
      dirty_[sym] = false;
      const SharedFrame f = make_frame(book_frame(sym));
      for (Connection* c : others_) send(*c, f);
    }
  }
  for_each_session([&](VenueSession& vs) {
    auto& s = static_cast<WooSession&>(vs);
    if (now < s.next_ping) return;
    s.next_ping = now + std::chrono::milliseconds(woo_.ping_ms);
    if (s.awaiting_pong && ++s.missed_pongs >= woo_.max_missed_pongs) {
      stats().heartbeat_closes.fetch_add(1, std::memory_order_relaxed);
      s.conn().close(1000, "pong timeout");
      s.mark_closing();
      return;
    }
    std::string p = "{\"event\":\"ping\",\"ts\":";
    append_int(p, wall_ms());
    p += '}';
    send(s.conn(), make_frame(std::move(p)));
    s.awaiting_pong = true;
  });
}

void WooVenue::reply(WooSession& s, const std::string& id, std::string_view event, bool ok,
                     std::string_view error, std::string_view extra) {
  std::string r = "{\"id\":" + id + ",\"event\":";
  append_json_string(r, event);
  r += ok ? ",\"success\":true,\"ts\":" : ",\"success\":false,\"ts\":";
  append_int(r, wall_ms());
  if (!ok) {
    r += ",\"errorMsg\":";
    append_json_string(r, error);
  }
  r += extra;
  r += '}';
  send(s.conn(), make_frame(std::move(r)));
}

void WooVenue::subscribe(WooSession& s, const std::string& id, std::string_view event,
                         std::string_view topic) {
  const std::size_t at = topic.find('@');
  if (at == std::string_view::npos) {
    reply(s, id, event, false, "invalid topic " + std::string(topic));
    return;
  }
  const auto sym = find_symbol(topic.substr(0, at));
  if (!sym) {
    reply(s, id, event, false, "invalid symbol " + std::string(topic.substr(0, at)));
    return;
  }
  std::uint8_t bit = 0;
  const bool known = topic_kind(topic.substr(at + 1), bit);
  if (is_spot(symbols()[*sym].name) && (bit & kDerivativeOnly) != 0) bit = 0;  // acked, silent
  std::string extra;
  if (event == "subscribe") {
    s.topics[*sym] |= bit;  // an unknown suffix is acked and stays silent (PROTOCOLS §1.3)
  } else {
    s.topics[*sym] &= static_cast<std::uint8_t>(~bit);
    extra = ",\"data\":";
    append_json_string(extra, topic);
  }
  reply(s, id, event, true, {}, extra);
  if (known && bit == kSnapshot && event == "subscribe")
    send(s.conn(), make_frame(book_frame(*sym)));
}

void WooVenue::request(WooSession& s, const std::string& id, simdjson::dom::element msg) {
  simdjson::dom::element params;
  if (msg["params"].get(params) != simdjson::SUCCESS ||
      str_field(params, "type") != std::string_view("orderbook")) {
    reply(s, id, "request", false, "invalid request params");
    return;
  }
  const auto symbol = str_field(params, "symbol");
  const auto sym = symbol ? find_symbol(*symbol) : std::nullopt;
  if (!sym) {
    reply(s, id, "request", false, "invalid symbol " + std::string(symbol.value_or("")));
    return;
  }
  // data.ts is the ts of the last delta, so the next delta's prevTs equals it
  // (PROTOCOLS §1.5.4); frames are queued in order on this thread, so the
  // reply and the deltas cannot interleave differently on the wire.
  std::string extra = ",\"data\":{\"symbol\":";
  append_json_string(extra, *symbol);
  extra += ",\"ts\":";
  append_int(extra, last_ts_ms(*sym));
  extra += ",\"asks\":";
  append_levels(extra, *sym, book::Side::ask);
  extra += ",\"bids\":";
  append_levels(extra, *sym, book::Side::bid);
  extra += '}';
  reply(s, id, "request", true, {}, extra);
  snapshot_served(*sym, s);
}

void WooVenue::handle(WooSession& s, std::string_view text) {
  simdjson::dom::element msg;
  if (parser_.parse(text.data(), text.size()).get(msg) != simdjson::SUCCESS || !msg.is_object()) {
    reply(s, "null", "", false, "invalid json");
    return;
  }
  const std::string id = id_json(msg);
  if (woo_.v3) {
    handle_v3(s, id, msg);
    return;
  }
  const auto event = str_field(msg, "event");
  if (!event) {
    reply(s, id, "", false, "missing event");
    return;
  }
  // Any client frame proves liveness; a client ping keeps the socket open even
  // if it never answers our pings (PROTOCOLS §1.4).
  s.awaiting_pong = false;
  s.missed_pongs = 0;
  if (*event == "ping") {
    std::string p = "{\"event\":\"pong\",\"ts\":";
    append_int(p, wall_ms());
    p += '}';
    send(s.conn(), make_frame(std::move(p)));
  } else if (*event == "pong") {
    // nothing more
  } else if (*event == "subscribe" || *event == "unsubscribe") {
    const auto topic = str_field(msg, "topic");
    if (!topic) {
      reply(s, id, *event, false, "missing topic");
      return;
    }
    subscribe(s, id, *event, *topic);
  } else if (*event == "request") {
    request(s, id, msg);
  } else {
    reply(s, id, *event, false, "unsupported event");
  }
}

// ---- v3 ----------------------------------------------------------------------

void WooVenue::on_event_v3(std::size_t sym, const BookEvent& ev) {
  const std::string& name = symbols()[sym].name;
  const std::int64_t prev = last_ts_ms(sym);
  const std::int64_t ts = next_ts_ms(sym);
  auto format = [&](const std::vector<LevelChange>& changes) {
    std::string f;
    f.reserve(256);
    f += "{\"topic\":\"orderbookupdate@";
    f += name;
    f += "@50\",\"ts\":";
    append_int(f, ts);
    f += ",\"data\":{\"ts\":";
    append_int(f, ts);
    f += ",\"bids\":";
    append_changes(f, sym, changes, book::Side::bid, kStringPairs);
    f += ",\"asks\":";
    append_changes(f, sym, changes, book::Side::ask, kStringPairs);
    f += ",\"prevTs\":";
    append_int(f, prev);
    f += ",\"s\":\"" + name + "\"}}";
    return f;
  };
  // A lagging REST book is one taken rest_lag_events events ago.
  if (woo_.rest_lag > 0 && ++lag_events_[sym] >= woo_.rest_lag_events) {
    lag_events_[sym] = 0;
    lag_book_[sym] = rest_book(sym);
  }
  deliver_delta(sym, ev, "prevTs", format);
  if (ev.top_changed) {
    book::Level bid{}, ask{};
    const book::L2Book& b = generator(sym).book();
    if (b.best(book::Side::bid, bid) && b.best(book::Side::ask, ask)) {
      std::string q = "{\"topic\":\"bbo@" + name + "\",\"ts\":";
      append_int(q, ts);
      q += ",\"data\":{\"ts\":";
      append_int(q, ts);
      q += ",\"bp\":\"";
      append_px(q, sym, bid.px);
      q += "\",\"bq\":\"";
      append_qty(q, sym, bid.qty);
      q += "\",\"ap\":\"";
      append_px(q, sym, ask.px);
      q += "\",\"aq\":\"";
      append_qty(q, sym, ask.qty);
      q += "\",\"s\":\"" + name + "\"}}";
      send_to(sym, kBbo, make_frame(std::move(q)));
    }
  }
}

// No server ping in v3: a socket the client left silent is closed, and every
// connection is cut at the cap (PROTOCOLS §1.4).
void WooVenue::on_timer_v3(Clock::time_point now) {
  for_each_session([&](VenueSession& vs) {
    auto& s = static_cast<WooSession&>(vs);
    if (now - s.last_rx >= std::chrono::milliseconds(woo_.idle_close_ms)) {
      stats().heartbeat_closes.fetch_add(1, std::memory_order_relaxed);
      s.conn().close(1000, "idle");
      s.mark_closing();
    } else if (woo_.max_connection_ms > 0 &&
               now - s.opened >= std::chrono::milliseconds(woo_.max_connection_ms)) {
      s.conn().close(1000, "connection age limit");
      s.mark_closing();
      break_all();  // the client loses every chain with this connection
    }
  });
}

void WooVenue::reply_v3(WooSession& s, const std::string& id, std::string_view cmd, bool ok,
                        std::string_view extra) {
  std::string r = "{";
  if (id != "null") r += "\"id\":" + id + ",";
  r += "\"cmd\":";
  append_json_string(r, cmd);
  r += ok ? ",\"success\":true,\"time\":" : ",\"success\":false,\"time\":";
  append_int(r, wall_ms());
  r += extra;
  r += '}';
  send(s.conn(), make_frame(std::move(r)));
}

// One topic of a SUBSCRIBE (add) or UN_SUBSCRIBE; false when it is not taken.
bool WooVenue::take_topic_v3(WooSession& s, std::string_view topic, bool add) {
  const std::size_t at = topic.find('@');
  if (at == std::string_view::npos) return false;
  const std::string_view kind = topic.substr(0, at);
  std::string_view rest = topic.substr(at + 1);
  std::uint8_t bit = 0;
  if (kind == "orderbookupdate") {
    const std::size_t d = rest.find('@');
    if (d == std::string_view::npos) return false;
    const std::string_view depth = rest.substr(d + 1);
    if (depth != "50" && depth != "200" && depth != "500") return false;
    rest = rest.substr(0, d);
    bit = kDelta;
  } else if (kind == "bbo") {
    bit = kBbo;
  } else if (kind == "indexprice") {
    return take_index_v3(s, rest, add);
  } else if ((bit = reference_kind(kind)) == 0) {
    return false;  // trade and the rest are not simulated in v3
  }
  const auto sym = find_symbol(rest);
  if (!sym) return false;
  if ((bit & kDerivativeOnly) != 0 && is_spot(rest)) return false;
  if (!add) {
    s.topics[*sym] &= static_cast<std::uint8_t>(~bit);
    return true;
  }
  if ((s.topics[*sym] & bit) == 0 && s.subscriptions() >= kV3TopicsPerConnection) return false;
  s.topics[*sym] |= bit;
  return true;
}

// v3 indexprice@KEY: KEY must be the spot symbol of a simulated symbol's
// underlying (refdata_spec §2: indexprice@PERP_.. is not taken).
bool WooVenue::take_index_v3(WooSession& s, std::string_view key, bool add) {
  if (!is_spot(key) ||
      std::find(index_keys_.begin(), index_keys_.end(), key) == index_keys_.end()) {
    return false;
  }
  const auto it = std::find(s.indexes.begin(), s.indexes.end(), key);
  if (!add) {
    if (it != s.indexes.end()) s.indexes.erase(it);
    return true;
  }
  if (it != s.indexes.end()) return true;
  if (s.subscriptions() >= kV3TopicsPerConnection) return false;
  s.indexes.emplace_back(key);
  return true;
}

void WooVenue::subscribe_v3(WooSession& s, const std::string& id, std::string_view cmd,
                            simdjson::dom::element msg) {
  simdjson::dom::array params;
  if (msg["params"].get(params) != simdjson::SUCCESS) {
    reply_v3(s, id, cmd, false, ",\"data\":\"Params invalid!\"");
    return;
  }
  if (params.size() > kV3TopicsPerRequest) {
    reply_v3(s, id, cmd, false, ",\"data\":\"Too many topics!\"");
    return;
  }
  // A refused topic is left out of the ack's list, which still says success.
  std::string data = ",\"data\":[";
  bool first = true;
  for (simdjson::dom::element p : params) {
    std::string_view topic;
    if (p.get_string().get(topic) != simdjson::SUCCESS) continue;
    if (!take_topic_v3(s, topic, cmd == "SUBSCRIBE")) continue;
    if (!first) data += ',';
    first = false;
    append_json_string(data, topic);
  }
  data += ']';
  reply_v3(s, id, cmd, true, data);
}

void WooVenue::handle_v3(WooSession& s, const std::string& id, simdjson::dom::element msg) {
  s.last_rx = Clock::now();
  const auto cmd = str_field(msg, "cmd");
  if (!cmd) {
    reply_v3(s, id, "", false, ",\"data\":\"Command type invalid!\"");
  } else if (*cmd == "PING") {
    reply_v3(s, "null", "PONG", true, {});
  } else if (*cmd == "SUBSCRIBE" || *cmd == "UN_SUBSCRIBE") {
    subscribe_v3(s, id, *cmd, msg);
  } else {
    reply_v3(s, id, *cmd, false, ",\"data\":\"Command type invalid!\"");
  }
}

// The REST book's data: the whole book, `timestamp` = the ts of the last
// change, so the next delta's prevTs equals it (the documented alignment).
std::string WooVenue::rest_book(std::size_t sym) const {
  std::string d = "{\"asks\":";
  append_levels(d, sym, book::Side::ask, kObjects);
  d += ",\"bids\":";
  append_levels(d, sym, book::Side::bid, kObjects);
  d += ",\"timestamp\":";
  append_int(d, last_ts_ms(sym));
  d += '}';
  return d;
}

// True when a REST book GET asks for fewer levels (maxLevel) than the
// smallest v3 stream depth (50).
bool asked_below_stream_depth(std::string_view target) {
  const std::size_t q = target.find("maxLevel=");
  if (q == std::string_view::npos) return false;
  std::string_view text = target.substr(q + 9);
  text = text.substr(0, text.find('&'));
  int levels = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), levels);
  return ec == std::errc{} && end == text.data() + text.size() && levels < 50;
}

int WooVenue::http_get(std::string_view target, std::string& body) {
  const std::string_view path = target.substr(0, target.find('?'));
  auto fail = [&](int status, std::string_view message) {
    body = "{\"success\":false,\"code\":-1000,\"message\":";
    append_json_string(body, message);
    body += '}';
    return status;
  };
  if (path != "/v3/public/orderbook") return fail(404, "not found");
  const std::size_t q = target.find("symbol=");
  if (q == std::string_view::npos) return fail(400, "symbol is required");
  std::string_view symbol = target.substr(q + 7);
  symbol = symbol.substr(0, symbol.find('&'));
  const auto sym = find_symbol(symbol);
  if (!sym) return fail(400, "invalid symbol " + std::string(symbol));
  body = "{\"success\":true,\"data\":";
  if (woo_.rest_lag > 0 && !lag_book_[*sym].empty() && format_rng().chance(woo_.rest_lag)) {
    body += lag_book_[*sym];  // behind the socket: the client must ask again
  } else {
    body += rest_book(*sym);
    // A fresh book resynchronises the symbol for whichever session follows
    // it, unless it was asked shallower than any stream depth (a drift
    // check's top levels): that rebuilds no book, so it repairs nothing.
    if (!asked_below_stream_depth(target)) {
      for_each_session([&](VenueSession& vs) {
        if ((static_cast<WooSession&>(vs).topics[*sym] & kDelta) != 0) snapshot_served(*sym, vs);
      });
    }
  }
  body += ",\"timestamp\":";
  append_int(body, wall_ms());
  body += '}';
  return 200;
}

// ---- reference channels -------------------------------------------------------

// Round k's values: the mark k%20+1 ticks above the symbol's start, the index
// (its underlying's first symbol) k%20 ticks above that one's, a funding
// rate from -0.0000002 to 0.0000002 stepping with the round, open interest
// growing by 13 lots a round, the next funding at the next 8 h boundary.
WooVenue::RefValues WooVenue::reference_values(std::size_t sym) const {
  const SymbolSpec& sp = symbols()[sym];
  const auto k = static_cast<std::int64_t>(ref_round_);
  RefValues v;
  v.mark = decimal_text(sp.start_px + sp.tick * (k % 20 + 1), sp.px_exp);
  const SymbolSpec& ip = symbols()[first_with_key(index_keys_[sym])];
  v.index = decimal_text(ip.start_px + ip.tick * (k % 20), ip.px_exp);
  v.rate = decimal_text((k + static_cast<std::int64_t>(sym)) % 5 - 2, -7);
  v.oi = decimal_text(sp.lot * (1000 + 13 * k + static_cast<std::int64_t>(sym)), sp.qty_exp);
  constexpr std::int64_t kEightHoursMs = 8 * 3600 * 1000;
  v.next_funding_ms = (wall_ms() / kEightHoursMs + 1) * kEightHoursMs;
  return v;
}

// {"topic":..,"ts":..,"data":{<symbol_key>..<fields>[,"ts":data_ts]}}
std::string WooVenue::ref_frame(std::string_view topic, std::int64_t ts,
                                std::string_view symbol_key, std::string_view fields,
                                std::int64_t data_ts) const {
  std::string f = "{\"topic\":";
  append_json_string(f, topic);
  f += ",\"ts\":";
  append_int(f, ts);
  f += ",\"data\":{";
  f += symbol_key;
  f += fields;
  if (data_ts != 0) {
    f += ",\"ts\":";
    append_int(f, data_ts);
  }
  f += "}}";
  return f;
}

// A bounded run's pushes end with its market, so the last ones reach the
// clients during the linger, before the sessions close.
void WooVenue::push_reference(Clock::time_point now) {
  if (finished() || now < next_ref_) return;
  next_ref_ = now + std::chrono::milliseconds(woo_.ref_ms);
  ++ref_round_;
  const std::int64_t ts = wall_ms();
  for (std::size_t sym = 0; sym < symbols().size(); ++sym) {
    const RefValues v = reference_values(sym);
    if (woo_.v3) {
      push_reference_v3(sym, v, ts);
    } else {
      push_reference_v2(sym, v, ts);
    }
  }
  if (!woo_.v3) return;
  for (std::size_t sym = 0; sym < index_keys_.size(); ++sym) {
    const std::string& key = index_keys_[sym];
    if (key.empty() || first_with_key(key) != sym) continue;  // once per underlying
    push_index_v3(key, ts);
  }
}

// v2: JSON numbers, the envelope ts is the exchange time (refdata_spec §1).
void WooVenue::push_reference_v2(std::size_t sym, const RefValues& v, std::int64_t ts) {
  const std::string& name = symbols()[sym].name;
  const std::string key = "\"symbol\":\"" + name + "\"";
  struct Channel {
    std::uint8_t bit;
    const char* suffix;
    std::string fields;
  };
  const Channel channels[] = {
      {kMark, "@markprice", ",\"price\":" + v.mark},
      {kIndex, "@indexprice", ",\"price\":" + v.index},
      {kFunding, "@estfundingrate",
       ",\"fundingRate\":" + v.rate + ",\"fundingTs\":" + std::to_string(ts)},
      {kOpenInterest, "@openinterest", ",\"openInterest\":" + v.oi},
  };
  for (const Channel& c : channels) {
    others_.clear();
    recipients(sym, c.bit, others_);
    if (others_.empty()) continue;
    const SharedFrame f = make_frame(ref_frame(name + c.suffix, ts, key, c.fields, 0));
    for (Connection* conn : others_) send(*conn, f);
    const std::lock_guard lock(ref_mutex_);
    WooReferenceSent& r = ref_sent_[sym];
    if (c.bit == kMark) r.mark_price = v.mark;
    if (c.bit == kIndex) r.index_price = v.index;
    if (c.bit == kFunding) r.funding_rate = v.rate;
    if (c.bit == kOpenInterest) r.open_interest = v.oi;
    r.ts_ms = ts;
    ++r.rounds;
  }
}

// v3: strings, data.ts (the calculation time, a few ms before the envelope ts).
void WooVenue::push_reference_v3(std::size_t sym, const RefValues& v, std::int64_t ts) {
  const std::string& name = symbols()[sym].name;
  const std::string key = "\"s\":\"" + name + "\"";
  const std::int64_t data_ts = ts - 3;
  struct Channel {
    std::uint8_t bit;
    const char* prefix;
    std::string fields;
  };
  const Channel channels[] = {
      {kMark, "markprice@", ",\"px\":\"" + v.mark + "\""},
      {kFunding, "estfundingrate@",
       ",\"r\":\"" + v.rate + "\",\"ft\":" + std::to_string(v.next_funding_ms)},
      {kOpenInterest, "openinterest@", ",\"oi\":\"" + v.oi + "\""},
  };
  for (const Channel& c : channels) {
    others_.clear();
    recipients(sym, c.bit, others_);
    if (others_.empty()) continue;
    const SharedFrame f = make_frame(ref_frame(c.prefix + name, ts, key, c.fields, data_ts));
    for (Connection* conn : others_) send(*conn, f);
    const std::lock_guard lock(ref_mutex_);
    WooReferenceSent& r = ref_sent_[sym];
    if (c.bit == kMark) r.mark_price = v.mark;
    if (c.bit == kFunding) {
      r.funding_rate = v.rate;
      r.next_funding_ms = v.next_funding_ms;
    }
    if (c.bit == kOpenInterest) r.open_interest = v.oi;
    r.ts_ms = data_ts;
    ++r.rounds;
  }
}

// One indexprice@SPOT_X_Y frame per underlying, recorded on each of its symbols.
void WooVenue::push_index_v3(std::string_view key, std::int64_t ts) {
  others_.clear();
  for_each_session([&](VenueSession& vs) {
    auto& s = static_cast<WooSession&>(vs);
    if (std::find(s.indexes.begin(), s.indexes.end(), key) != s.indexes.end()) {
      others_.push_back(&s.conn());
    }
  });
  if (others_.empty()) return;
  const RefValues v = reference_values(first_with_key(key));
  const std::int64_t data_ts = ts - 3;
  std::string topic = "indexprice@";
  topic += key;
  std::string sym_key = "\"s\":\"";
  sym_key += key;
  sym_key += '"';
  const SharedFrame f =
      make_frame(ref_frame(topic, ts, sym_key, ",\"px\":\"" + v.index + "\"", data_ts));
  for (Connection* conn : others_) send(*conn, f);
  const std::lock_guard lock(ref_mutex_);
  for (std::size_t sym = 0; sym < index_keys_.size(); ++sym) {
    if (index_keys_[sym] != key) continue;
    ref_sent_[sym].index_price = v.index;
    ref_sent_[sym].ts_ms = data_ts;
    ++ref_sent_[sym].rounds;
  }
}

}  // namespace

bool woo_reference_sent(Venue& venue, std::string_view symbol, WooReferenceSent& out) {
  auto* woo = dynamic_cast<WooVenue*>(&venue);
  return woo != nullptr && woo->reference_sent(symbol, out);
}

std::unique_ptr<Venue> make_woo_venue(const VenueModule& module, VenueOptions opts,
                                      WooOptions woo) {
  return std::make_unique<WooVenue>(module, std::move(opts), woo);
}

}  // namespace wirebook::sim
