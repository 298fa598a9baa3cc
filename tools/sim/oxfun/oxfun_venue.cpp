// OX.FUN simulator. Framing, acks and refusals per PROTOCOLS.md §4.1, login
// per §4.2, the depthUpdate partial + diff seqNum procedure, `depth`,
// bestBidAsk and trade per §4.3, the position channel per §4.4.
#include "tools/sim/oxfun/oxfun_venue.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <charconv>
#include <deque>
#include <mutex>

#include "tools/sim/json_reader.hpp"
#include "tools/sim/oxfun/oxfun_frames.hpp"
#include "tools/sim/text.hpp"

namespace wirebook::sim {

std::string oxfun_signature(std::string_view secret, std::string_view timestamp) {
  std::string msg(timestamp);
  msg += "GET/auth/self/verify";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len);
  std::string b64(4 * ((len + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), mac, static_cast<int>(len));
  b64.resize(static_cast<std::size_t>(n));
  return b64;
}

OxfunTicker oxfun_ticker_values(const SymbolSpec& s, std::uint64_t n) {
  const auto k = static_cast<std::int64_t>(n);
  const std::int64_t mark = s.start_px + s.tick * (k % 7 - 3);
  OxfunTicker t;
  t.push = n;
  t.mark_price = decimal_text(mark, s.px_exp);
  t.index_price = decimal_text(mark - s.tick * (k % 3), s.px_exp);
  t.open_interest = decimal_text(s.lot * (1000 + 3 * k), s.qty_exp);
  return t;
}

std::vector<PositionStep> oxfun_position_script(std::uint64_t seed,
                                                const std::vector<SymbolSpec>& symbols) {
  Rng rng(derive_seed(seed, "oxfun:positions"));
  std::vector<std::vector<PositionStep>> per(symbols.size());
  for (std::size_t k = 0; k < symbols.size(); ++k) {
    const SymbolSpec& s = symbols[k];
    const auto lots = [&] { return s.lot * static_cast<std::int64_t>(1 + rng.below(20)); };
    const auto price = [&] {
      return s.start_px + s.tick * static_cast<std::int64_t>(rng.below(9));
    };
    const std::int64_t a = lots();
    const std::int64_t pa = price();
    const std::int64_t b = lots();
    const std::int64_t pb = price();
    // Average entry of the increased long, truncated to the price unit.
    const std::int64_t avg = (pa * a + pb * b) / (a + b);
    per[k] = {{k, a, pa}, {k, a + b, avg}, {k, -lots(), price()}, {k, 0, 0}};
  }
  std::vector<PositionStep> out;
  for (std::size_t step = 0; step < 4; ++step) {
    for (const auto& p : per) out.push_back(p[step]);
  }
  return out;
}

namespace {

enum Channel : std::uint8_t {
  kDiffs = 1U << 0U,        // depthUpdate:<market>
  kLatePartial = 1U << 1U,  // ... whose partial waits for the market's next diff
  kDepth = 1U << 2U,        // depth:<market>
  kTrade = 1U << 3U,
  kBbo = 1U << 4U,
  kTicker = 1U << 5U,  // ticker:<market>
};

// The request's tag as text (an integer or a string, echoed as a string).
std::string tag_of(simdjson::dom::element msg) {
  simdjson::dom::element t;
  if (msg["tag"].get(t) != simdjson::SUCCESS) return {};
  std::string_view s;
  if (t.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::minify(t);
}

bool channel_bit(std::string_view kind, std::uint8_t& bit) {
  if (kind == "depthUpdate")
    bit = kDiffs;
  else if (kind == "depth")
    bit = kDepth;
  else if (kind == "trade")
    bit = kTrade;
  else if (kind == "bestBidAsk")
    bit = kBbo;
  else if (kind == "ticker")
    bit = kTicker;
  else
    return false;
  return true;
}

class OxfunSession final : public VenueSession {
 public:
  OxfunSession(Venue& v, Connection& c, std::size_t symbols, Clock::time_point now)
      : VenueSession(v, c), channels(symbols, 0), last_client(now) {}
  void on_text(std::string_view text) override;
  [[nodiscard]] std::size_t subscriptions() const override {
    std::size_t n = positions ? 1U : 0U;
    for (std::uint8_t t : channels) {
      n += static_cast<std::size_t>(__builtin_popcount(t & ~static_cast<unsigned>(kLatePartial)));
    }
    return n;
  }
  [[nodiscard]] bool has_depth_channel() const {
    for (std::uint8_t t : channels)
      if ((t & (kDiffs | kDepth)) != 0) return true;
    return false;
  }

  std::vector<std::uint8_t> channels;      // per symbol, Channel bits
  Clock::time_point last_client;           // the client's last frame (silence timeout)
  std::deque<Clock::time_point> requests;  // request times within the last second
  bool authenticated = false;
  bool positions = false;
};

class OxfunVenue final : public Venue {
 public:
  OxfunVenue(const VenueModule& module, VenueOptions opts, OxfunOptions ox);
  void handle(OxfunSession& s, std::string_view text);
  [[nodiscard]] std::optional<OxfunTicker> last_ticker(std::size_t sym) const {
    const std::lock_guard<std::mutex> lock(ticker_mutex_);
    if (sym >= last_ticker_.size() || last_ticker_[sym].push == 0) return std::nullopt;
    return last_ticker_[sym];
  }

 protected:
  std::unique_ptr<VenueSession> make_session(Connection& conn) override;
  void delta_recipients(std::size_t sym, std::vector<Connection*>& out) override {
    recipients(sym, kDiffs, out);
  }
  void on_event(std::size_t sym, const BookEvent& ev) override;
  void on_timer(Clock::time_point now) override;
  [[nodiscard]] bool module_settled() const noexcept override { return ignore_pings_ == 0; }

 private:
  void recipients(std::size_t sym, std::uint8_t bit, std::vector<Connection*>& out) {
    for_each_session([&](VenueSession& vs) {
      auto& s = static_cast<OxfunSession&>(vs);
      if ((s.channels[sym] & bit) != 0) out.push_back(&s.conn());
    });
  }
  void send_to(std::size_t sym, std::uint8_t bit, const std::string& text);
  void send_text(OxfunSession& s, std::string text) { send(s.conn(), make_frame(std::move(text))); }
  void send_partial(OxfunSession& s, std::size_t sym);
  void serve_late_partials(std::size_t sym);
  void push_depth();
  void push_tickers();
  void close_silent(Clock::time_point now);
  void step_positions();
  [[nodiscard]] std::string position_frame(std::span<const PositionStep> steps) const;
  [[nodiscard]] bool over_rate(OxfunSession& s, Clock::time_point now) const;

  void subscribe(OxfunSession& s, std::string_view op, const std::string& tag,
                 simdjson::dom::element msg);
  [[nodiscard]] bool subscribe_one(OxfunSession& s, std::string_view op, std::string_view arg,
                                   std::size_t& fresh_partial, bool& fresh_positions);
  void login(OxfunSession& s, const std::string& tag, simdjson::dom::element msg);

  OxfunOptions ox_;
  simdjson::dom::parser parser_;
  Rng seq_rng_;
  std::vector<std::int64_t> next_seq_;  // the seqNum of the market's next diff (drawn ahead)
  std::vector<std::int64_t> last_seq_;  // the seqNum of its last diff
  std::vector<PositionStep> script_;
  std::vector<PositionStep> held_;  // each instrument's current position (after its last step)
  std::vector<bool> touched_;       // the instrument has had a step
  std::size_t script_pos_ = 0;
  Clock::time_point next_depth_;
  Clock::time_point next_position_;
  Clock::time_point next_ticker_;
  // Per market: tickers sent, and the last one (read by tests from other threads).
  std::vector<std::uint64_t> tickers_sent_;
  mutable std::mutex ticker_mutex_;
  std::vector<OxfunTicker> last_ticker_;
  Clock::time_point last_event_{};
  std::uint64_t trade_id_ = 400'017'157'974'517'783ULL;
  std::uint32_t ignore_pings_;
  std::vector<Connection*> others_;
};

void OxfunSession::on_text(std::string_view text) {
  last_client = Clock::now();
  static_cast<OxfunVenue&>(venue_).handle(*this, text);
}

OxfunVenue::OxfunVenue(const VenueModule& module, VenueOptions opts, OxfunOptions ox)
    : Venue(module, std::move(opts)),
      ox_(std::move(ox)),
      seq_rng_(derive_seed(opts_.seed, "oxfun:seqNum")),
      script_(oxfun_position_script(opts_.seed, symbols())),
      held_(symbols().size()),
      touched_(symbols().size(), false),
      next_depth_(Clock::now()),
      next_position_(Clock::now()),
      next_ticker_(Clock::now()),
      tickers_sent_(symbols().size(), 0),
      last_ticker_(symbols().size()),
      ignore_pings_(ox_.ignore_pings) {
  // Large global-looking counters, as in the documented frames (§4.3).
  std::int64_t base =
      2'166'539'633'781'384LL + static_cast<std::int64_t>(seq_rng_.below(1U << 20U));
  for (std::size_t k = 0; k < symbols().size(); ++k) {
    base += 1'000'000 + static_cast<std::int64_t>(seq_rng_.below(1000));
    last_seq_.push_back(base);
    next_seq_.push_back(base + 1);
    held_[k].symbol = k;
  }
}

std::unique_ptr<VenueSession> OxfunVenue::make_session(Connection& conn) {
  auto s = std::make_unique<OxfunSession>(*this, conn, symbols().size(), Clock::now());
  if (ox_.greeting) {
    // Every official client waits for a frame carrying `nonce` (§4.1); its
    // shape is undocumented, this one is our choice.
    std::string g = R"({"event":"connected","nonce":")";
    append_uint(g, format_rng().next() >> 1U);
    g += R"(","timestamp":")";
    append_int(g, wall_ms());
    g += "\"}";
    send(conn, make_frame(std::move(g)));
  }
  return s;
}

void OxfunVenue::send_to(std::size_t sym, std::uint8_t bit, const std::string& text) {
  others_.clear();
  recipients(sym, bit, others_);
  if (others_.empty()) return;
  const SharedFrame f = make_frame(text);
  for (Connection* c : others_) send(*c, f);
}

void OxfunVenue::send_partial(OxfunSession& s, std::size_t sym) {
  // seqNum = the next diff's: "the first incremental depthUpdate-diff message
  // should have the same seqNum as the depthUpdate snapshot" (§4.3 rule 4).
  send_text(s, oxfun_frames::book("depthUpdate", "partial", symbols()[sym], generator(sym).book(),
                                  next_seq_[sym], last_ts_ms(sym), false));
  snapshot_served(sym, s);
}

void OxfunVenue::serve_late_partials(std::size_t sym) {
  for_each_session([&](VenueSession& vs) {
    auto& s = static_cast<OxfunSession&>(vs);
    if ((s.channels[sym] & kLatePartial) == 0) return;
    s.channels[sym] &= static_cast<std::uint8_t>(~kLatePartial);
    send_partial(s, sym);
  });
}

void OxfunVenue::on_event(std::size_t sym, const BookEvent& ev) {
  const SymbolSpec& spec = symbols()[sym];
  const std::int64_t ts = next_ts_ms(sym);
  last_event_ = Clock::now();
  const std::int64_t seq = next_seq_[sym];
  last_seq_[sym] = seq;
  next_seq_[sym] = seq + 1 + static_cast<std::int64_t>(seq_rng_.below(ox_.seq_step_max));
  auto format = [&](const std::vector<LevelChange>& changes) {
    std::string f = oxfun_frames::diff_head(seq);
    for (book::Side side : {book::Side::ask, book::Side::bid}) {
      if (side == book::Side::bid) f += R"(,"bids":)";
      f += '[';
      bool first = true;
      for (const LevelChange& c : changes) {
        if (c.side != side) continue;
        if (!first) f += ',';
        first = false;
        oxfun_frames::append_pair(f, spec, c.px, c.qty);
      }
      f += ']';
    }
    f += oxfun_frames::diff_tail(spec, seq, ts);
    return f;
  };
  deliver_delta(sym, ev, "seqNum", format);
  // A client whose partial was held got this diff first (§4.3 rule 3).
  serve_late_partials(sym);
  if (ev.has_trade) {
    send_to(sym, kTrade,
            oxfun_frames::trade(spec, ev.trade.px, ev.trade.qty, ev.trade.buy, ++trade_id_, ts));
  }
  book::Level bid{}, ask{};
  const book::L2Book& b = generator(sym).book();
  if (ev.top_changed && b.best(book::Side::bid, bid) && b.best(book::Side::ask, ask)) {
    send_to(sym, kBbo, oxfun_frames::best_bid_ask(spec, bid, ask, ts));
  }
}

void OxfunVenue::push_depth() {
  for (std::size_t sym = 0; sym < symbols().size(); ++sym) {
    others_.clear();
    recipients(sym, kDepth, others_);
    if (others_.empty()) continue;
    // The complete book at the seqNum of the last diff it reflects (§4.3).
    const SharedFrame f =
        make_frame(oxfun_frames::book("depth", "partial", symbols()[sym], generator(sym).book(),
                                      last_seq_[sym], last_ts_ms(sym), true));
    for (Connection* c : others_) send(*c, f);
  }
}

// Every market's ticker to its subscribers; the values depend only on the
// market and its push number, so a test can predict them.
void OxfunVenue::push_tickers() {
  for (std::size_t sym = 0; sym < symbols().size(); ++sym) {
    others_.clear();
    recipients(sym, kTicker, others_);
    if (others_.empty()) continue;
    const SymbolSpec& spec = symbols()[sym];
    const std::uint64_t n = ++tickers_sent_[sym];
    OxfunTicker t = oxfun_ticker_values(spec, n);
    t.ts_ms = wall_ms();
    const std::string last_mark =
        n > 1 ? oxfun_ticker_values(spec, n - 1).mark_price : t.mark_price;
    const SharedFrame f = make_frame(oxfun_frames::ticker(spec, t.mark_price, last_mark,
                                                          t.index_price, t.open_interest, t.ts_ms));
    for (Connection* c : others_) send(*c, f);
    const std::lock_guard<std::mutex> lock(ticker_mutex_);
    last_ticker_[sym] = std::move(t);
  }
}

void OxfunVenue::close_silent(Clock::time_point now) {
  if (ox_.idle_close_ms <= 0) return;
  // "Either be subscribed to a channel that pushes data at least once per
  // minute (Depth) or periodically send a text 'ping'" (§4.1).
  for_each_session([&](VenueSession& vs) {
    auto& s = static_cast<OxfunSession&>(vs);
    if (s.has_depth_channel() || now - s.last_client < std::chrono::milliseconds(ox_.idle_close_ms))
      return;
    stats().heartbeat_closes.fetch_add(1, std::memory_order_relaxed);
    s.conn().close(1000, "idle");
    s.mark_closing();
  });
}

std::string OxfunVenue::position_frame(std::span<const PositionStep> steps) const {
  std::string f = R"({"table":"position","accountId":"106464","timestamp":")";
  const std::int64_t now = wall_ms();
  append_int(f, now);
  f += R"(","data":[)";
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const PositionStep& p = steps[k];
    const SymbolSpec& s = symbols()[p.symbol];
    const std::int64_t mid = generator(p.symbol).spec().start_px;
    if (k != 0) f += ',';
    f.append(R"({"instrumentId":")").append(s.name).append(R"(","quantity":")");
    append_decimal(f, p.quantity, s.qty_exp);
    f += R"(","lastUpdated":")";
    append_int(f, now);
    f += R"(","contractValCurrency":")";
    f.append(s.name.substr(0, s.name.find('-'))).append(R"(","entryPrice":")");
    append_decimal(f, p.entry_price, s.px_exp);
    f += R"(","positionPnl":")";
    append_decimal(f, p.quantity == 0 ? 0 : (mid - p.entry_price) * p.quantity,
                   s.px_exp + s.qty_exp);
    f += R"(","estLiquidationPrice":")";
    // A long liquidates 20 % below its entry, a short 20 % above.
    append_decimal(
        f, p.quantity == 0 ? 0 : p.entry_price + (p.quantity > 0 ? -1 : 1) * p.entry_price / 5,
        s.px_exp);
    f += R"(","margin":"0","leverage":"0"})";
  }
  f += "]}";
  return f;
}

void OxfunVenue::step_positions() {
  bool any = false;
  for_each_session(
      [&](VenueSession& vs) { any = any || static_cast<OxfunSession&>(vs).positions; });
  if (!any || script_pos_ >= script_.size()) return;
  const PositionStep& step = script_[script_pos_++];
  held_[step.symbol] = step;
  touched_[step.symbol] = true;
  const SharedFrame f = make_frame(position_frame(std::span<const PositionStep>(&step, 1)));
  for_each_session([&](VenueSession& vs) {
    auto& s = static_cast<OxfunSession&>(vs);
    if (s.positions) send(s.conn(), f);
  });
}

void OxfunVenue::on_timer(Clock::time_point now) {
  if (now - last_event_ > std::chrono::milliseconds(100)) {
    // A quiet (or finished) market: held partials go out without a diff.
    for (std::size_t sym = 0; sym < symbols().size(); ++sym) serve_late_partials(sym);
  }
  if (ox_.depth_ms > 0 && now >= next_depth_) {
    next_depth_ = now + std::chrono::milliseconds(ox_.depth_ms);
    push_depth();
  }
  if (ox_.position_ms > 0 && now >= next_position_) {
    next_position_ = now + std::chrono::milliseconds(ox_.position_ms);
    step_positions();
  }
  if (ox_.ticker_ms > 0 && now >= next_ticker_) {
    next_ticker_ = now + std::chrono::milliseconds(ox_.ticker_ms);
    push_tickers();
  }
  close_silent(now);
}

bool OxfunVenue::over_rate(OxfunSession& s, Clock::time_point now) const {
  if (ox_.max_requests_per_s == 0) return false;
  while (!s.requests.empty() && now - s.requests.front() >= std::chrono::seconds(1)) {
    s.requests.pop_front();
  }
  if (s.requests.size() >= ox_.max_requests_per_s) return true;
  s.requests.push_back(now);
  return false;
}

// One arg of a subscribe/unsubscribe; false when refused.
bool OxfunVenue::subscribe_one(OxfunSession& s, std::string_view op, std::string_view arg,
                               std::size_t& fresh_partial, bool& fresh_positions) {
  const bool on = op == "subscribe";
  if (arg == "position:all") {
    if (!s.authenticated) return false;
    fresh_positions = on && !s.positions;
    s.positions = on;
    return true;
  }
  const std::size_t colon = arg.find(':');
  std::uint8_t bit = 0;
  if (colon == std::string_view::npos || !channel_bit(arg.substr(0, colon), bit)) return false;
  const auto sym = find_symbol(arg.substr(colon + 1));
  if (!sym) return false;
  std::uint8_t& ch = s.channels[*sym];
  const bool had = (ch & bit) != 0;
  if (!on) {
    ch &= static_cast<std::uint8_t>(~(bit == kDiffs ? (kDiffs | kLatePartial) : bit));
    return true;
  }
  ch |= bit;
  if (bit == kDiffs && !had) fresh_partial = *sym;
  return true;
}

void OxfunVenue::subscribe(OxfunSession& s, std::string_view op, const std::string& tag,
                           simdjson::dom::element msg) {
  simdjson::dom::array args;
  if (msg["args"].get_array().get(args) != simdjson::SUCCESS) {
    send_text(s, oxfun_frames::refusal(op, tag, "20009", "JSON data format is invalid", wall_ms()));
    return;
  }
  bool fresh_positions = false;
  for (simdjson::dom::element a : args) {
    std::string_view arg;
    std::size_t fresh = symbols().size();
    if (a.get_string().get(arg) != simdjson::SUCCESS ||
        !subscribe_one(s, op, arg, fresh, fresh_positions)) {
      // The documented refusal names no channel, only the tag (§4.1).
      const bool positions = arg == "position:all";
      send_text(s,
                oxfun_frames::refusal(
                    op, tag, positions ? "20001" : "20015",
                    positions ? "Authentication is required" : "marketCode is invalid", wall_ms()));
      continue;
    }
    send_text(s, oxfun_frames::ack(op, tag, arg, wall_ms()));
    if (fresh == symbols().size()) continue;
    if (format_rng().chance(ox_.late_snapshot)) {
      s.channels[fresh] |= kLatePartial;  // served after the market's next diff
    } else {
      send_partial(s, fresh);
    }
  }
  if (fresh_positions) {
    // A fresh position subscription gets every instrument touched so far.
    std::vector<PositionStep> all;
    for (std::size_t k = 0; k < held_.size(); ++k)
      if (touched_[k]) all.push_back(held_[k]);
    if (!all.empty()) send_text(s, position_frame(all));
  }
}

void OxfunVenue::login(OxfunSession& s, const std::string& tag, simdjson::dom::element msg) {
  simdjson::dom::element data;
  if (msg["data"].get(data) != simdjson::SUCCESS) {
    send_text(
        s, oxfun_frames::refusal("login", tag, "20009", "JSON data format is invalid", wall_ms()));
    return;
  }
  if (s.authenticated) {
    send_text(s, oxfun_frames::refusal("login", tag, "20005", "Already logged in", wall_ms()));
    return;
  }
  const auto key = str_field(data, "apiKey");
  const auto ts = str_field(data, "timestamp");
  const auto sig = str_field(data, "signature");
  std::int64_t ts_ms = 0;
  const bool ts_ok =
      ts && std::from_chars(ts->data(), ts->data() + ts->size(), ts_ms).ec == std::errc{};
  const std::int64_t skew = wall_ms() - ts_ms;
  if (!key || !sig || !ts_ok || *key != ox_.api_key || skew > 60'000 || skew < -60'000 ||
      *sig != oxfun_signature(ox_.api_secret, *ts)) {
    send_text(s, oxfun_frames::refusal("login", tag, "20000", "Signature is invalid", wall_ms()));
    return;
  }
  s.authenticated = true;
  send_text(s, oxfun_frames::login_ok(tag, wall_ms()));
}

void OxfunVenue::handle(OxfunSession& s, std::string_view text) {
  if (text == "ping") {
    if (ignore_pings_ > 0) {
      --ignore_pings_;  // fault: this ping goes unanswered
      return;
    }
    send_text(s, "pong");
    return;
  }
  simdjson::dom::element msg;
  if (parser_.parse(text.data(), text.size()).get(msg) != simdjson::SUCCESS || !msg.is_object()) {
    send_text(s, oxfun_frames::refusal("", "", "20009", "JSON data format is invalid", wall_ms()));
    return;
  }
  const auto op = str_field(msg, "op");
  const std::string tag = tag_of(msg);
  if (!op) {
    send_text(s, oxfun_frames::refusal("", tag, "20009", "JSON data format is invalid", wall_ms()));
    return;
  }
  if (over_rate(s, Clock::now())) {
    send_text(s, oxfun_frames::refusal(*op, tag, "20007", "You are accessing server too rapidly",
                                       wall_ms()));
    return;
  }
  if (*op == "subscribe" || *op == "unsubscribe") {
    subscribe(s, *op, tag, msg);
  } else if (*op == "login") {
    login(s, tag, msg);
  } else {
    send_text(s,
              oxfun_frames::refusal(*op, tag, "20009", "JSON data format is invalid", wall_ms()));
  }
}

}  // namespace

std::optional<OxfunTicker> oxfun_last_ticker(const Venue& venue, std::size_t sym) {
  const auto* v = dynamic_cast<const OxfunVenue*>(&venue);
  if (v == nullptr) return std::nullopt;
  return v->last_ticker(sym);
}

std::unique_ptr<Venue> make_oxfun_venue(const VenueModule& module, VenueOptions opts,
                                        OxfunOptions oxfun) {
  return std::make_unique<OxfunVenue>(module, std::move(opts), std::move(oxfun));
}

}  // namespace wirebook::sim
