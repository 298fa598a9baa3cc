// O2 DEX simulator in the working schema (feeds/o2/schema.hpp is the one
// description of it; DESIGN.md §5). The subscribe frame and the REST envelope
// are the documented parts (o2dex-api.txt); the rest is the working schema.
#include "tools/sim/o2/o2_venue.hpp"

#include <simdjson.h>

#include <charconv>
#include <mutex>

#include "tools/sim/json_reader.hpp"
#include "tools/sim/text.hpp"

namespace wirebook::sim {
namespace {

enum Channel : std::uint8_t {
  kBook = 1U << 0U,
  kTrades = 1U << 1U,
  kTicker = 1U << 2U,
  kMark = 1U << 3U,
  kFunding = 1U << 4U,
};

bool channel_bit(std::string_view ch, std::uint8_t& bit) {
  if (ch == "order_book")
    bit = kBook;
  else if (ch == "trades")
    bit = kTrades;
  else if (ch == "ticker")
    bit = kTicker;
  else if (ch == "mark_price")
    bit = kMark;
  else if (ch == "funding")
    bit = kFunding;
  else
    return false;
  return true;
}

class O2Session final : public VenueSession {
 public:
  O2Session(Venue& v, Connection& c, std::size_t symbols) : VenueSession(v, c), channels(symbols) {}
  void on_text(std::string_view text) override;
  [[nodiscard]] std::size_t subscriptions() const override {
    std::size_t n = 0;
    for (std::uint8_t t : channels) n += static_cast<std::size_t>(__builtin_popcount(t));
    return n;
  }
  std::vector<std::uint8_t> channels;  // per symbol, Channel bits
};

// How one frame prints its numbers and levels (drawn per frame).
struct Style {
  bool strings = false;
  bool objects = false;
};

class O2Venue final : public Venue, public HttpResponder {
 public:
  O2Venue(const VenueModule& module, VenueOptions opts, O2Options o2)
      : Venue(module, std::move(opts)),
        o2_(o2),
        seq_rng_(derive_seed(opts_.seed, "o2:seq")),
        next_mark_(Clock::now()),
        ref_step_(symbols().size(), 0),
        sent_(symbols().size()) {
    for (std::size_t i = 0; i < symbols().size(); ++i)
      seq_.push_back(1 + seq_rng_.below(1'000'000));
  }
  [[nodiscard]] std::optional<O2ReferenceSent> reference_sent(std::size_t sym) const {
    const std::lock_guard<std::mutex> lock(sent_mutex_);
    if (sym >= sent_.size()) return std::nullopt;
    return sent_[sym];
  }
  void handle(O2Session& s, std::string_view text);
  int http_get(std::string_view target, std::string& body) override;
  [[nodiscard]] HttpResponder* rest() noexcept override { return this; }

 protected:
  std::unique_ptr<VenueSession> make_session(Connection& conn) override {
    return std::make_unique<O2Session>(*this, conn, symbols().size());
  }
  void delta_recipients(std::size_t sym, std::vector<Connection*>& out) override {
    recipients(sym, kBook, out);
  }
  // A duplicate delta repeats a seq the client already has: dropped as stale.
  [[nodiscard]] bool breaks_chain(FaultKind kind) const noexcept override {
    return kind != FaultKind::dup;
  }
  void on_event(std::size_t sym, const BookEvent& ev) override;
  void on_timer(Clock::time_point now) override;

 private:
  static std::int64_t market_id(std::size_t sym) { return static_cast<std::int64_t>(sym) + 1; }
  [[nodiscard]] std::optional<std::size_t> symbol_of(std::int64_t id) const {
    if (id < 1 || static_cast<std::size_t>(id) > symbols().size()) return std::nullopt;
    return static_cast<std::size_t>(id - 1);
  }
  void recipients(std::size_t sym, std::uint8_t bit, std::vector<Connection*>& out) {
    for_each_session([&](VenueSession& vs) {
      auto& s = static_cast<O2Session&>(vs);
      if ((s.channels[sym] & bit) != 0) out.push_back(&s.conn());
    });
  }
  // False when no session subscribed `bit` of `sym` (nothing sent).
  bool send_to(std::size_t sym, std::uint8_t bit, std::string frame) {
    others_.clear();
    recipients(sym, bit, others_);
    if (others_.empty()) return false;
    const SharedFrame f = make_frame(std::move(frame));
    for (Connection* c : others_) send(*c, f);
    return true;
  }
  Style draw_style() {
    return Style{format_rng().chance(o2_.string_numbers), format_rng().chance(o2_.object_levels)};
  }
  void append_num(std::string& out, std::int64_t v, int exp, bool quoted) const {
    if (quoted) out += '"';
    append_decimal(out, v, exp);
    if (quoted) out += '"';
  }
  void append_level(std::string& out, std::size_t sym, std::int64_t px, std::int64_t qty,
                    Style st) const {
    const SymbolSpec& spec = symbols()[sym];
    out += st.objects ? "{\"price\":" : "[";
    append_num(out, px, spec.px_exp, st.strings);
    out += st.objects ? ",\"size\":" : ",";
    append_num(out, qty, spec.qty_exp, st.strings);
    out += st.objects ? '}' : ']';
  }
  void append_book_levels(std::string& out, std::size_t sym, Style st) const;
  [[nodiscard]] std::string snapshot_frame(std::size_t sym);
  void reply(O2Session& s, std::string_view type, std::string_view channel, std::int64_t id);
  void error(O2Session& s, std::string_view message);
  [[nodiscard]] std::string mark_frame(std::size_t sym, std::string_view value, std::int64_t ts_ms,
                                       bool funding) const;
  void push_reference(std::size_t sym, std::int64_t ts_ms);

  O2Options o2_;
  Rng seq_rng_;
  std::vector<std::uint64_t> seq_;  // per symbol: the seq of the last change
  simdjson::dom::parser parser_;
  std::vector<Connection*> others_;
  Clock::time_point next_mark_;
  std::vector<std::uint64_t> ref_step_;  // per symbol: timer pushes so far
  mutable std::mutex sent_mutex_;        // sent_ is read by tests on other threads
  std::vector<O2ReferenceSent> sent_;
};

// Push k (1, 2, ...) of symbol `sym`: a mark within 100 ticks of the start
// price with one digit more than the book's prices (..5), and a funding rate
// cycling through -0.0000250 .. +0.0000250 in steps of 0.00000125 plus sym
// units of 1e-8: exact decimals that differ from push to push and from symbol
// to symbol, independent of timing and seed.
struct ReferenceValues {
  std::string mark_price;
  std::string funding_rate;
};
ReferenceValues reference_values(const SymbolSpec& spec, std::size_t sym, std::uint64_t k) {
  const auto step = static_cast<std::int64_t>(k % 201) - 100;
  const std::int64_t mark = spec.start_px + step * spec.tick;
  const std::int64_t rate =
      (static_cast<std::int64_t>(k % 41) - 20) * 125 + static_cast<std::int64_t>(sym);
  return {decimal_text(mark * 10 + 5, spec.px_exp - 1), decimal_text(rate, -8)};
}

void O2Session::on_text(std::string_view text) {
  static_cast<O2Venue&>(venue_).handle(*this, text);
}

void O2Venue::append_book_levels(std::string& out, std::size_t sym, Style st) const {
  const book::L2Book& b = generator(sym).book();
  std::vector<book::Level> lv;
  for (book::Side side : {book::Side::bid, book::Side::ask}) {
    lv.resize(b.level_count(side));
    lv.resize(b.copy_top(side, lv.data(), lv.size()));
    out += side == book::Side::bid ? "\"bids\":[" : ",\"asks\":[";
    for (std::size_t i = 0; i < lv.size(); ++i) {
      if (i != 0) out += ',';
      append_level(out, sym, lv[i].px, lv[i].qty, st);
    }
    out += ']';
  }
}

std::string O2Venue::snapshot_frame(std::size_t sym) {
  // The snapshot carries the seq of the last change, so the next delta's
  // prev_seq equals it; frames are queued in order on this thread.
  std::string f = "{\"channel\":\"order_book\",\"market_id\":";
  append_int(f, market_id(sym));
  f += ",\"type\":\"snapshot\"";
  if (o2_.sequenced) {
    f += ",\"seq\":";
    append_uint(f, seq_[sym]);
  }
  f += ",\"ts\":";
  append_int(f, last_ts_ms(sym));
  f += ",\"data\":{";
  append_book_levels(f, sym, draw_style());
  f += "}}";
  return f;
}

void O2Venue::on_event(std::size_t sym, const BookEvent& ev) {
  const std::int64_t ts = next_ts_ms(sym);
  const std::uint64_t prev = seq_[sym];
  const std::uint64_t seq = ++seq_[sym];  // per market, contiguous
  const Style st = draw_style();
  auto format = [&](const std::vector<LevelChange>& changes) {
    std::string f;
    f.reserve(256);
    f += "{\"channel\":\"order_book\",\"market_id\":";
    append_int(f, market_id(sym));
    f += ",\"type\":\"delta\"";
    if (o2_.sequenced) {
      f += ",\"seq\":";
      append_uint(f, seq);
      f += ",\"prev_seq\":";
      append_uint(f, prev);
    }
    f += ",\"ts\":";
    append_int(f, ts);
    f += ",\"data\":{";
    for (book::Side side : {book::Side::bid, book::Side::ask}) {
      f += side == book::Side::bid ? "\"bids\":[" : ",\"asks\":[";
      bool first = true;
      for (const LevelChange& c : changes) {
        if (c.side != side) continue;
        if (!first) f += ',';
        first = false;
        append_level(f, sym, c.px, c.qty, st);
      }
      f += ']';
    }
    f += "}}";
    return f;
  };
  deliver_delta(sym, ev, o2_.sequenced ? "prev_seq" : "ts", format);
  const SymbolSpec& spec = symbols()[sym];
  if (ev.has_trade) {
    std::string t = "{\"channel\":\"trades\",\"market_id\":";
    append_int(t, market_id(sym));
    t += ",\"data\":[{\"price\":\"";
    append_decimal(t, ev.trade.px, spec.px_exp);
    t += "\",\"size\":\"";
    append_decimal(t, ev.trade.qty, spec.qty_exp);
    t += ev.trade.buy ? "\",\"side\":\"buy\",\"ts\":" : "\",\"side\":\"sell\",\"ts\":";
    append_int(t, ts);
    t += "}]}";
    send_to(sym, kTrades, std::move(t));
  }
  if (ev.top_changed) {
    book::Level bid{}, ask{};
    const book::L2Book& b = generator(sym).book();
    if (b.best(book::Side::bid, bid) && b.best(book::Side::ask, ask)) {
      std::string q = "{\"channel\":\"ticker\",\"market_id\":";
      append_int(q, market_id(sym));
      q += ",\"ts\":";
      append_int(q, ts);
      q += ",\"data\":{\"best_bid\":\"";
      append_decimal(q, bid.px, spec.px_exp);
      q += "\",\"best_bid_size\":\"";
      append_decimal(q, bid.qty, spec.qty_exp);
      q += "\",\"best_ask\":\"";
      append_decimal(q, ask.px, spec.px_exp);
      q += "\",\"best_ask_size\":\"";
      append_decimal(q, ask.qty, spec.qty_exp);
      q += "\"}}";
      send_to(sym, kTicker, std::move(q));
    }
  }
}

std::string O2Venue::mark_frame(std::size_t sym, std::string_view value, std::int64_t ts_ms,
                                bool funding) const {
  std::string f = funding ? "{\"channel\":\"funding\",\"market_id\":"
                          : "{\"channel\":\"mark_price\",\"market_id\":";
  append_int(f, market_id(sym));
  f += ",\"ts\":";
  append_int(f, ts_ms);
  f += funding ? ",\"data\":{\"funding_rate\":\"" : ",\"data\":{\"mark_price\":\"";
  f += value;
  f += "\"}}";
  return f;
}

void O2Venue::push_reference(std::size_t sym, std::int64_t ts_ms) {
  const ReferenceValues v = reference_values(symbols()[sym], sym, ++ref_step_[sym]);
  const bool mark = send_to(sym, kMark, mark_frame(sym, v.mark_price, ts_ms, false));
  const bool funding = send_to(sym, kFunding, mark_frame(sym, v.funding_rate, ts_ms, true));
  if (!mark && !funding) return;
  const std::lock_guard<std::mutex> lock(sent_mutex_);
  O2ReferenceSent& s = sent_[sym];
  if (mark) {
    s.mark_price = v.mark_price;
    s.mark_ts_ms = ts_ms;
    ++s.mark_pushes;
  }
  if (funding) {
    s.funding_rate = v.funding_rate;
    s.funding_ts_ms = ts_ms;
    ++s.funding_pushes;
  }
}

void O2Venue::on_timer(Clock::time_point now) {
  if (now < next_mark_) return;
  next_mark_ = now + std::chrono::milliseconds(o2_.mark_ms);
  const std::int64_t ts_ms = wall_ms();
  for (std::size_t sym = 0; sym < symbols().size(); ++sym) push_reference(sym, ts_ms);
}

void O2Venue::reply(O2Session& s, std::string_view type, std::string_view channel,
                    std::int64_t id) {
  std::string r = "{\"type\":";
  append_json_string(r, type);
  r += ",\"channel\":";
  append_json_string(r, channel);
  r += ",\"market_id\":";
  append_int(r, id);
  r += '}';
  send(s.conn(), make_frame(std::move(r)));
}

void O2Venue::error(O2Session& s, std::string_view message) {
  std::string r = "{\"type\":\"error\",\"message\":";
  append_json_string(r, message);
  r += '}';
  send(s.conn(), make_frame(std::move(r)));
}

void O2Venue::handle(O2Session& s, std::string_view text) {
  simdjson::dom::element msg;
  if (parser_.parse(text.data(), text.size()).get(msg) != simdjson::SUCCESS || !msg.is_object()) {
    error(s, "invalid json");
    return;
  }
  const auto type = str_field(msg, "type");
  const auto channel = str_field(msg, "channel");
  if (!type || (*type != "subscribe" && *type != "unsubscribe")) {
    error(s, "unsupported type");
    return;
  }
  std::uint8_t bit = 0;
  if (!channel || !channel_bit(*channel, bit)) {
    error(s, "unknown channel");
    return;
  }
  std::int64_t id = 0;
  const auto sym = msg["market_id"].get_int64().get(id) == simdjson::SUCCESS
                       ? symbol_of(id)
                       : std::optional<std::size_t>{};
  if (!sym) {
    error(s, "unknown market_id");
    return;
  }
  if (*type == "unsubscribe") {
    s.channels[*sym] &= static_cast<std::uint8_t>(~bit);
    reply(s, "unsubscribed", *channel, id);
    return;
  }
  s.channels[*sym] |= bit;
  reply(s, "subscribed", *channel, id);
  // Every order_book subscribe gets a fresh snapshot (the working schema's
  // "full snapshot + delta"), also a repeated one.
  if (bit == kBook) {
    send(s.conn(), make_frame(snapshot_frame(*sym)));
    snapshot_served(*sym, s);
  }
}

int O2Venue::http_get(std::string_view target, std::string& body) {
  const std::string_view path = target.substr(0, target.find('?'));
  constexpr std::string_view kMarkets = "/api/v1/markets";
  auto fail = [&](int status, std::string_view message) {
    body = "{\"success\":false,\"data\":null,\"error\":";
    append_json_string(body, message);
    body += '}';
    return status;
  };
  if (path == kMarkets) {
    body = "{\"success\":true,\"data\":[";
    for (std::size_t i = 0; i < symbols().size(); ++i) {
      const SymbolSpec& spec = symbols()[i];
      if (i != 0) body += ',';
      body += "{\"id\":";
      append_int(body, market_id(i));
      body += ",\"symbol\":";
      append_json_string(body, spec.name);
      body += ",\"price_decimals\":";
      append_int(body, spec.px_exp < 0 ? -spec.px_exp : 0);
      body += ",\"size_decimals\":";
      append_int(body, spec.qty_exp < 0 ? -spec.qty_exp : 0);
      body += '}';
    }
    body += "],\"error\":null}";
    return 200;
  }
  constexpr std::string_view kBookSuffix = "/orderbook";
  if (path.starts_with(kMarkets) && path.size() > kMarkets.size() + 1 &&
      path[kMarkets.size()] == '/' && path.ends_with(kBookSuffix)) {
    const std::string_view id_text =
        path.substr(kMarkets.size() + 1, path.size() - kMarkets.size() - 1 - kBookSuffix.size());
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    const auto sym =
        ec == std::errc{} && end == id_text.data() + id_text.size() ? symbol_of(id) : std::nullopt;
    if (!sym) return fail(404, "market not found");
    body = "{\"success\":true,\"data\":{\"market_id\":";
    append_int(body, id);
    if (o2_.sequenced) {
      body += ",\"seq\":";
      append_uint(body, seq_[*sym]);
    }
    body += ",\"ts\":";
    append_int(body, last_ts_ms(*sym));
    body += ',';
    append_book_levels(body, *sym, Style{true, false});
    body += "},\"error\":null}";
    return 200;
  }
  return fail(404, "not found");
}

}  // namespace

std::optional<O2ReferenceSent> o2_reference_sent(const Venue& venue, std::size_t sym) {
  const auto* v = dynamic_cast<const O2Venue*>(&venue);
  return v != nullptr ? v->reference_sent(sym) : std::nullopt;
}

std::unique_ptr<Venue> make_o2_venue(const VenueModule& module, VenueOptions opts, O2Options o2) {
  return std::make_unique<O2Venue>(module, std::move(opts), o2);
}

}  // namespace wirebook::sim
