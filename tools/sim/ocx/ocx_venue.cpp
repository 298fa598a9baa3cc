// OCX simulator. Streams follow PROTOCOLS.md §5: `GET /perps/book-stream?
// marketId=M&depth=&intervalMs=` answers text/event-stream; the stream opens
// with `event: snapshot` (the whole book, eventSeq = the market's current
// sequence, also as the SSE `id:`), then one `event: update` per book change
// with eventSeq + 1 (no `id:` line: the delta faults then land on the event
// name or the JSON, both of which the client checks); `:heartbeat` comments keep it alive;
// `event: error` {code, message, retryable} refuses a stream. The sequence is
// the market's, so every stream of a market gets the same update events (and
// the same faults). REST: GET /perps/markets, /perps/orderbook/{marketId}
// ({bids: [[price, size]], asks}, no sequence) and /perps/market-stats?
// marketId=M (the five documented string fields, deterministic values).
//
// The private user stream GET /perps/stream/user (api_key set) answers 401
// to a missing or wrong x-api-key. It opens with `event: position` carrying
// every position held so far (an array; none before the first fill), then,
// one script step per `user_every` book events, `event: fill` {marketId,
// side, price, quantity} and `event: position` {marketId, size, entryPrice,
// unrealizedPnl, leverage} (the payload names the feed expects, ocx parser.hpp),
// with eventSeq + 1 per event of the stream.
#include "tools/sim/ocx/ocx_venue.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "tools/sim/rng.hpp"
#include "tools/sim/text.hpp"

namespace wirebook::sim {

OcxMarketStats ocx_market_stats_values(const SymbolSpec& s, std::uint64_t n) {
  const auto k = static_cast<std::int64_t>(n);
  OcxMarketStats m;
  m.reply = n;
  m.mark_price = decimal_text(s.start_px + s.tick * (k % 7 - 3), s.px_exp);
  m.open_interest_usd = decimal_text(123'456'789 + 1'000 * k, -2);
  m.funding_1h_pct = decimal_text(k % 5 - 2, -4);
  return m;
}

std::vector<OcxUserStep> ocx_user_script(std::uint64_t seed,
                                         const std::vector<SymbolSpec>& symbols) {
  Rng rng(derive_seed(seed, "ocx:user"));
  std::vector<std::vector<OcxUserStep>> per(symbols.size());
  for (std::size_t k = 0; k < symbols.size(); ++k) {
    const SymbolSpec& s = symbols[k];
    std::int64_t q = 0;
    std::int64_t entry = 0;
    for (std::size_t n = 0; n < kOcxUserStepsPerSymbol; ++n) {
      OcxUserStep st;
      st.symbol = k;
      st.buy = rng.below(2) == 0;
      st.fill_qty = s.lot * static_cast<std::int64_t>(1 + rng.below(20));
      st.fill_px = s.start_px + s.tick * static_cast<std::int64_t>(rng.below(9));
      const std::int64_t after = q + (st.buy ? st.fill_qty : -st.fill_qty);
      if (q == 0 || (q > 0) == st.buy) {
        // Opened or increased: the average entry, truncated to the price unit.
        entry = (entry * std::llabs(q) + st.fill_px * st.fill_qty) / std::llabs(after);
      } else if (after == 0) {
        entry = 0;
      } else if ((after > 0) != (q > 0)) {
        entry = st.fill_px;  // flipped: what is left was opened by this fill
      }                      // reduced: the entry stays
      q = after;
      st.quantity = q;
      st.entry_px = entry;
      per[k].push_back(st);
    }
  }
  std::vector<OcxUserStep> out;
  for (std::size_t n = 0; n < kOcxUserStepsPerSymbol; ++n) {
    for (const auto& p : per) out.push_back(p[n]);
  }
  return out;
}

namespace {

constexpr std::string_view kUserPath = "/perps/stream/user";

class OcxSession final : public VenueSession {
 public:
  using VenueSession::VenueSession;
  void on_text(std::string_view target) override;
  void on_closed() override;
  [[nodiscard]] std::size_t subscriptions() const override { return has_market || user ? 1 : 0; }

  std::size_t sym = 0;
  bool has_market = false;
  bool user = false;          // the user stream
  std::int64_t user_seq = 0;  // its last eventSeq
  bool silent = false;        // a blackhole: held open, nothing sent
  Clock::time_point silent_since{};
};

// The value of `key` in a query string ("a=1&b=2"), or empty.
std::string_view query_value(std::string_view target, std::string_view key) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == key) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

class OcxVenue final : public Venue, public HttpResponder {
 public:
  OcxVenue(const VenueModule& module, VenueOptions opts, OcxOptions ocx)
      : Venue(module, std::move(opts)),
        ocx_(std::move(ocx)),
        seq_(symbols().size(), 0),
        next_heartbeat_(Clock::now()),
        script_(ocx_user_script(this->options().seed, symbols())),
        held_(symbols().size()),
        last_stats_(symbols().size()) {
    // Each market's sequence starts somewhere else, as a live venue's would.
    for (std::size_t i = 0; i < seq_.size(); ++i)
      seq_[i] = 1000 * (i + 1) + format_rng().below(1000);
  }

  void open_stream(OcxSession& s, std::string_view target);
  int http_get(std::string_view target, std::string& body) override;
  [[nodiscard]] HttpResponder* rest() noexcept override { return this; }
  [[nodiscard]] int stream_status(
      std::string_view target,
      const std::function<std::string_view(std::string_view)>& header) const override;
  [[nodiscard]] const OcxBlackholeStats& blackholes() const noexcept { return holes_; }
  [[nodiscard]] std::optional<OcxMarketStats> last_stats(std::size_t sym) const {
    const std::lock_guard<std::mutex> lock(stats_mutex_);
    if (sym >= last_stats_.size() || last_stats_[sym].reply == 0) return std::nullopt;
    return last_stats_[sym];
  }
  // A blackholed stream closed by the client after `silent_ms` of silence.
  void blackhole_detected(std::int64_t silent_ms) noexcept {
    ++holes_.detected;
    holes_.max_detect_ms = std::max(holes_.max_detect_ms, silent_ms);
  }

 protected:
  std::unique_ptr<VenueSession> make_session(Connection& conn) override {
    return std::make_unique<OcxSession>(*this, conn);
  }
  void delta_recipients(std::size_t sym, std::vector<Connection*>& out) override {
    for_each_session([&](VenueSession& vs) {
      auto& s = static_cast<OcxSession&>(vs);
      if (s.has_market && s.sym == sym && !s.silent) out.push_back(&s.conn());
    });
  }
  // A duplicate repeats an eventSeq the client already has: dropped, no break.
  [[nodiscard]] bool breaks_chain(FaultKind kind) const noexcept override {
    return kind != FaultKind::dup;
  }
  // One stream per market: a dropped stream breaks only its market.
  [[nodiscard]] bool connection_per_symbol() const noexcept override { return true; }
  void on_event(std::size_t sym, const BookEvent& ev) override;
  void on_timer(Clock::time_point now) override;

 private:
  void append_levels(std::string& out, std::size_t sym, book::Side side, bool objects,
                     bool drift = false) const;
  void open_user(OcxSession& s);
  void step_user();
  [[nodiscard]] std::string position_payload(const OcxUserStep& p) const;
  [[nodiscard]] std::string fill_payload(const OcxUserStep& p) const;
  void send_user(OcxSession& s, std::string_view type, std::string_view payload);
  [[nodiscard]] std::string event_text(std::string_view type, std::size_t sym,
                                       std::string_view payload) const;
  [[nodiscard]] static std::string error_text(std::string_view code, std::string_view message,
                                              bool retryable);
  void refuse(OcxSession& s, std::string_view code, std::string_view message, bool retryable);
  [[nodiscard]] int market_stats(std::string_view target, std::string& body);

  OcxOptions ocx_;
  std::vector<std::int64_t> seq_;  // per market: the eventSeq of its last event
  Clock::time_point next_heartbeat_;
  std::uint32_t errors_sent_ = 0;
  std::uint32_t holes_made_ = 0;
  OcxBlackholeStats holes_;
  std::vector<OcxUserStep> script_;
  std::size_t script_pos_ = 0;
  std::uint32_t events_since_step_ = 0;
  std::vector<std::optional<OcxUserStep>> held_;  // per market: its position after its last fill
  std::uint32_t drift_sent_ = 0;
  // Per market: the last market-stats answer (read by tests from other threads).
  mutable std::mutex stats_mutex_;
  std::vector<OcxMarketStats> last_stats_;
};

void OcxSession::on_text(std::string_view target) {
  static_cast<OcxVenue&>(venue_).open_stream(*this, target);
}

void OcxSession::on_closed() {
  // Closed by the client (not by the venue, nor at the end of the run): the
  // blackhole was detected.
  if (silent && !closing_ && !closed_ && !venue_.finished()) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - silent_since);
    static_cast<OcxVenue&>(venue_).blackhole_detected(ms.count());
  }
  VenueSession::on_closed();
}

void OcxVenue::append_levels(std::string& out, std::size_t sym, book::Side side, bool objects,
                             bool drift) const {
  const book::L2Book& b = generator(sym).book();
  std::vector<book::Level> lv(b.level_count(side));
  lv.resize(b.copy_top(side, lv.data(), lv.size()));
  const SymbolSpec& spec = symbols()[sym];
  if (drift && !lv.empty()) lv[0].qty += spec.lot;  // the drift fault: one size differs
  out += '[';
  std::int64_t total = 0;
  for (std::size_t i = 0; i < lv.size(); ++i) {
    if (i != 0) out += ',';
    total += lv[i].qty;
    if (objects) {
      out += "{\"price\":\"";
      append_decimal(out, lv[i].px, spec.px_exp);
      out += "\",\"size\":\"";
      append_decimal(out, lv[i].qty, spec.qty_exp);
      out += "\",\"total\":\"";
      append_decimal(out, total, spec.qty_exp);
      out += "\"}";
    } else {
      out += "[\"";
      append_decimal(out, lv[i].px, spec.px_exp);
      out += "\",\"";
      append_decimal(out, lv[i].qty, spec.qty_exp);
      out += "\"]";
    }
  }
  out += ']';
}

std::string OcxVenue::event_text(std::string_view type, std::size_t sym,
                                 std::string_view payload) const {
  const std::int64_t seq = seq_[sym];
  std::string f = "event: ";
  f += type;
  if (type == "snapshot") {
    f += "\nid: ";
    append_int(f, seq);
  }
  f += "\ndata: {\"eventId\":\"book-";
  append_int(f, seq);
  f += "\",\"eventType\":\"";
  f += type;
  f += "\",\"eventSeq\":";
  append_int(f, seq);
  f += ",\"engineTs\":";
  append_int(f, last_ts_ms(sym));
  f += ",\"sourceTs\":";
  append_int(f, last_ts_ms(sym));
  f += ",\"payload\":";
  f += payload;
  f += "}\n\n";
  return f;
}

std::string OcxVenue::error_text(std::string_view code, std::string_view message, bool retryable) {
  std::string f = "event: error\ndata: {\"code\":";
  append_json_string(f, code);
  f += ",\"message\":";
  append_json_string(f, message);
  f += retryable ? ",\"retryable\":true}\n\n" : ",\"retryable\":false}\n\n";
  return f;
}

void OcxVenue::refuse(OcxSession& s, std::string_view code, std::string_view message,
                      bool retryable) {
  send(s.conn(), make_frame(error_text(code, message, retryable)));
  s.mark_closing();
  s.conn().close(1000, "error");
}

int OcxVenue::stream_status(std::string_view target,
                            const std::function<std::string_view(std::string_view)>& header) const {
  if (target.substr(0, target.find('?')) != kUserPath) return Venue::stream_status(target, header);
  if (ocx_.api_key.empty()) return 0;  // no user stream here: 404
  return header("x-api-key") == ocx_.api_key ? 200 : 401;
}

void OcxVenue::open_stream(OcxSession& s, std::string_view target) {
  if (ocx_.retry_ms > 0)
    send(s.conn(), make_frame("retry: " + std::to_string(ocx_.retry_ms) + "\n\n"));
  if (target.substr(0, target.find('?')) == kUserPath) return open_user(s);
  const std::string_view market = query_value(target, "marketId");
  const auto sym = find_symbol(market);
  if (!sym) return refuse(s, "MARKET_NOT_FOUND", "unknown marketId", false);
  if (!ocx_.reject_market.empty() && market == ocx_.reject_market) {
    return refuse(s, "MARKET_CLOSED", "market not streaming", false);
  }
  if (errors_sent_ < ocx_.retryable_errors) {
    ++errors_sent_;
    return refuse(s, "BUSY", "stream capacity reached, retry", true);
  }
  s.sym = *sym;
  s.has_market = true;
  std::string payload = "{\"marketId\":";
  append_json_string(payload, symbols()[*sym].name);
  payload += ",\"bids\":";
  append_levels(payload, *sym, book::Side::bid, true);
  payload += ",\"asks\":";
  append_levels(payload, *sym, book::Side::ask, true);
  payload += '}';
  send(s.conn(), make_frame(event_text("snapshot", *sym, payload)));
  snapshot_served(*sym, s);
  if (holes_made_ < ocx_.blackholes) {
    ++holes_made_;
    ++holes_.silenced;
    s.silent = true;
    s.silent_since = Clock::now();
  }
}

void OcxVenue::send_user(OcxSession& s, std::string_view type, std::string_view payload) {
  std::string f = "event: ";
  f += type;
  f += "\ndata: {\"eventId\":\"user-";
  append_int(f, ++s.user_seq);
  f += "\",\"eventType\":\"";
  f += type;
  f += "\",\"eventSeq\":";
  append_int(f, s.user_seq);
  f += ",\"engineTs\":";
  append_int(f, wall_ms());
  f += ",\"payload\":";
  f += payload;
  f += "}\n\n";
  send(s.conn(), make_frame(f));
}

std::string OcxVenue::position_payload(const OcxUserStep& p) const {
  const SymbolSpec& s = symbols()[p.symbol];
  const std::int64_t mark = generator(p.symbol).spec().start_px;
  std::string f = "{\"marketId\":";
  append_json_string(f, s.name);
  f += ",\"size\":\"";
  append_decimal(f, p.quantity, s.qty_exp);
  f += "\",\"entryPrice\":\"";
  append_decimal(f, p.entry_px, s.px_exp);
  f += "\",\"unrealizedPnl\":\"";
  append_decimal(f, p.quantity == 0 ? 0 : (mark - p.entry_px) * p.quantity, s.px_exp + s.qty_exp);
  f += "\",\"leverage\":\"5\"}";
  return f;
}

std::string OcxVenue::fill_payload(const OcxUserStep& p) const {
  const SymbolSpec& s = symbols()[p.symbol];
  std::string f = "{\"marketId\":";
  append_json_string(f, s.name);
  f += p.buy ? ",\"side\":\"buy\",\"price\":\"" : ",\"side\":\"sell\",\"price\":\"";
  append_decimal(f, p.fill_px, s.px_exp);
  f += "\",\"quantity\":\"";
  append_decimal(f, p.fill_qty, s.qty_exp);
  f += "\"}";
  return f;
}

// A new user stream: every position held so far, in one event.
void OcxVenue::open_user(OcxSession& s) {
  s.user = true;
  s.user_seq = 100 * static_cast<std::int64_t>(1 + format_rng().below(1000));
  std::string all;
  for (const auto& h : held_) {
    if (!h) continue;
    all += all.empty() ? "[" : ",";
    all += position_payload(*h);
  }
  if (!all.empty()) send_user(s, "position", all + "]");
}

// The next script step to every user stream: the fill, then the position.
void OcxVenue::step_user() {
  if (script_pos_ >= script_.size()) return;
  const OcxUserStep& step = script_[script_pos_++];
  held_[step.symbol] = step;
  for_each_session([&](VenueSession& vs) {
    auto& s = static_cast<OcxSession&>(vs);
    if (!s.user || !s.active()) return;
    send_user(s, "fill", fill_payload(step));
    send_user(s, "position", position_payload(step));
  });
}

void OcxVenue::on_event(std::size_t sym, const BookEvent& ev) {
  if (ocx_.user_every > 0 && ++events_since_step_ >= ocx_.user_every) {
    events_since_step_ = 0;
    step_user();
  }
  ++seq_[sym];
  const SymbolSpec& spec = symbols()[sym];
  auto format = [&](const std::vector<LevelChange>& changes) {
    std::string payload = "{\"marketId\":";
    append_json_string(payload, spec.name);
    for (book::Side side : {book::Side::bid, book::Side::ask}) {
      payload += side == book::Side::bid ? ",\"bids\":[" : ",\"asks\":[";
      bool first = true;
      for (const LevelChange& c : changes) {
        if (c.side != side) continue;
        if (!first) payload += ',';
        first = false;
        payload += "{\"price\":\"";
        append_decimal(payload, c.px, spec.px_exp);
        payload += "\",\"size\":\"";
        append_decimal(payload, c.qty, spec.qty_exp);
        payload += "\",\"total\":\"0\"}";
      }
      payload += ']';
    }
    payload += '}';
    return event_text("update", sym, payload);
  };
  deliver_delta(sym, ev, "eventSeq", format);
}

void OcxVenue::on_timer(Clock::time_point now) {
  if (ocx_.heartbeat_ms <= 0 || now < next_heartbeat_) return;
  next_heartbeat_ = now + std::chrono::milliseconds(ocx_.heartbeat_ms);
  const SharedFrame beat = make_frame(":heartbeat\n\n");
  for_each_session([&](VenueSession& vs) {
    auto& s = static_cast<OcxSession&>(vs);
    if ((s.has_market || s.user) && !s.silent) send(s.conn(), beat);
  });
}

int OcxVenue::http_get(std::string_view target, std::string& body) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/perps/markets" || path == "/markets/linear") {
    body = "[";
    for (std::size_t i = 0; i < symbols().size(); ++i) {
      const SymbolSpec& spec = symbols()[i];
      if (i != 0) body += ',';
      body += "{\"id\":";
      append_json_string(body, spec.name);
      body += ",\"symbol\":";
      append_json_string(body, spec.name);
      body += ",\"marketType\":\"perp\",\"priceDecimals\":";
      append_int(body, spec.px_exp < 0 ? -spec.px_exp : 0);
      body += ",\"sizeDecimals\":";
      append_int(body, spec.qty_exp < 0 ? -spec.qty_exp : 0);
      body += '}';
    }
    body += ']';
    return 200;
  }
  constexpr std::string_view kBook = "/perps/orderbook/";
  if (path.starts_with(kBook)) {
    const auto sym = find_symbol(path.substr(kBook.size()));
    if (!sym) {
      body = "{\"error\":\"market not found\"}";
      return 404;
    }
    const bool drift =
        symbols()[*sym].name == ocx_.drift_market && drift_sent_ < ocx_.drift_replies;
    if (drift) ++drift_sent_;
    body = "{\"bids\":";
    append_levels(body, *sym, book::Side::bid, false, drift);
    body += ",\"asks\":";
    append_levels(body, *sym, book::Side::ask, false);
    body += '}';
    return 200;
  }
  if (path == "/perps/market-stats") return market_stats(target, body);
  body = "{\"error\":\"not found\"}";
  return 404;
}

// The five documented fields, all strings; the values depend only on the
// market and how many answers it had.
int OcxVenue::market_stats(std::string_view target, std::string& body) {
  const auto sym = find_symbol(query_value(target, "marketId"));
  if (!sym) {
    body = "{\"error\":\"market not found\"}";
    return 404;
  }
  const std::lock_guard<std::mutex> lock(stats_mutex_);
  OcxMarketStats m = ocx_market_stats_values(symbols()[*sym], last_stats_[*sym].reply + 1);
  body = "{\"markPrice\":";
  append_json_string(body, m.mark_price);
  body += ",\"change24hPct\":\"1.25\",\"volume24hUsd\":\"1000000\",\"openInterestUsd\":";
  append_json_string(body, m.open_interest_usd);
  body += ",\"funding1hPct\":";
  append_json_string(body, m.funding_1h_pct);
  body += '}';
  last_stats_[*sym] = std::move(m);
  return 200;
}

}  // namespace

std::optional<OcxMarketStats> ocx_last_market_stats(const Venue& venue, std::size_t sym) {
  const auto* v = dynamic_cast<const OcxVenue*>(&venue);
  if (v == nullptr) return std::nullopt;
  return v->last_stats(sym);
}

const OcxBlackholeStats* ocx_blackholes(const Venue& venue) {
  const auto* v = dynamic_cast<const OcxVenue*>(&venue);
  return v != nullptr ? &v->blackholes() : nullptr;
}

std::unique_ptr<Venue> make_ocx_venue(const VenueModule& module, VenueOptions opts,
                                      OcxOptions ocx) {
  return std::make_unique<OcxVenue>(module, std::move(opts), std::move(ocx));
}

}  // namespace wirebook::sim
