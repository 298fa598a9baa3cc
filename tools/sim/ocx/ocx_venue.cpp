// OCX simulator. Streams follow PROTOCOLS.md §5: `GET /perps/book-stream?
// marketId=M&depth=&intervalMs=` answers text/event-stream; the stream opens
// with `event: snapshot` (the whole book, eventSeq = the market's current
// sequence, also as the SSE `id:`), then one `event: update` per book change
// with eventSeq + 1 (no `id:` line: the delta faults then land on the event
// name or the JSON, both of which the client checks); `:heartbeat` comments keep it alive;
// `event: error` {code, message, retryable} refuses a stream. The sequence is
// the market's, so every stream of a market gets the same update events (and
// the same faults). REST: GET /perps/markets and /perps/orderbook/{marketId}
// ({bids: [[price, size]], asks}, no sequence).
#include "tools/sim/ocx/ocx_venue.hpp"

#include <algorithm>

#include "tools/sim/text.hpp"

namespace wirebook::sim {
namespace {

class OcxSession final : public VenueSession {
 public:
  using VenueSession::VenueSession;
  void on_text(std::string_view target) override;
  void on_closed() override;
  [[nodiscard]] std::size_t subscriptions() const override { return has_market ? 1 : 0; }

  std::size_t sym = 0;
  bool has_market = false;
  bool silent = false;  // a blackhole: held open, nothing sent
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
        next_heartbeat_(Clock::now()) {
    // Each market's sequence starts somewhere else, as a live venue's would.
    for (std::size_t i = 0; i < seq_.size(); ++i)
      seq_[i] = 1000 * (i + 1) + format_rng().below(1000);
  }

  void open_stream(OcxSession& s, std::string_view target);
  int http_get(std::string_view target, std::string& body) override;
  [[nodiscard]] HttpResponder* rest() noexcept override { return this; }
  [[nodiscard]] const OcxBlackholeStats& blackholes() const noexcept { return holes_; }
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
  void append_levels(std::string& out, std::size_t sym, book::Side side, bool objects) const;
  [[nodiscard]] std::string event_text(std::string_view type, std::size_t sym,
                                       std::string_view payload) const;
  [[nodiscard]] static std::string error_text(std::string_view code, std::string_view message,
                                              bool retryable);
  void refuse(OcxSession& s, std::string_view code, std::string_view message, bool retryable);

  OcxOptions ocx_;
  std::vector<std::int64_t> seq_;  // per market: the eventSeq of its last event
  Clock::time_point next_heartbeat_;
  std::uint32_t errors_sent_ = 0;
  std::uint32_t holes_made_ = 0;
  OcxBlackholeStats holes_;
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

void OcxVenue::append_levels(std::string& out, std::size_t sym, book::Side side,
                             bool objects) const {
  const book::L2Book& b = generator(sym).book();
  std::vector<book::Level> lv(b.level_count(side));
  lv.resize(b.copy_top(side, lv.data(), lv.size()));
  const SymbolSpec& spec = symbols()[sym];
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

void OcxVenue::open_stream(OcxSession& s, std::string_view target) {
  if (ocx_.retry_ms > 0)
    send(s.conn(), make_frame("retry: " + std::to_string(ocx_.retry_ms) + "\n\n"));
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

void OcxVenue::on_event(std::size_t sym, const BookEvent& ev) {
  ++seq_[sym];
  const SymbolSpec& spec = symbols()[sym];
  std::string payload = "{\"marketId\":";
  append_json_string(payload, spec.name);
  for (book::Side side : {book::Side::bid, book::Side::ask}) {
    payload += side == book::Side::bid ? ",\"bids\":[" : ",\"asks\":[";
    bool first = true;
    for (const LevelChange& c : ev.changes) {
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
  deliver_delta(sym, event_text("update", sym, payload), "eventSeq");
}

void OcxVenue::on_timer(Clock::time_point now) {
  if (ocx_.heartbeat_ms <= 0 || now < next_heartbeat_) return;
  next_heartbeat_ = now + std::chrono::milliseconds(ocx_.heartbeat_ms);
  const SharedFrame beat = make_frame(":heartbeat\n\n");
  for_each_session([&](VenueSession& vs) {
    auto& s = static_cast<OcxSession&>(vs);
    if (s.has_market && !s.silent) send(s.conn(), beat);
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
    body = "{\"bids\":";
    append_levels(body, *sym, book::Side::bid, false);
    body += ",\"asks\":";
    append_levels(body, *sym, book::Side::ask, false);
    body += '}';
    return 200;
  }
  body = "{\"error\":\"not found\"}";
  return 404;
}

}  // namespace

const OcxBlackholeStats* ocx_blackholes(const Venue& venue) {
  const auto* v = dynamic_cast<const OcxVenue*>(&venue);
  return v != nullptr ? &v->blackholes() : nullptr;
}

std::unique_ptr<Venue> make_ocx_venue(const VenueModule& module, VenueOptions opts,
                                      OcxOptions ocx) {
  return std::make_unique<OcxVenue>(module, std::move(opts), std::move(ocx));
}

}  // namespace wirebook::sim
