// Pulse simulator. JSON-RPC framing per PROTOCOLS.md §2.2, book channels and
// the change_id chain per §2.3–2.5, heartbeats per §2.6, quote per §2.7,
// public/auth per pulse-api.txt "/public/auth" (Deribit signature rules).
#include "tools/sim/pulse/pulse_venue.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <mutex>
#include <set>
#include <stdexcept>

#include "tools/sim/json_reader.hpp"
#include "tools/sim/text.hpp"

namespace wirebook::sim {

std::string pulse_signature(std::string_view secret, std::string_view timestamp,
                            std::string_view nonce, std::string_view data) {
  std::string msg;
  msg.append(timestamp).append("\n").append(nonce).append("\n").append(data);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[mac[i] >> 4U];
    hex += kHex[mac[i] & 0xfU];
  }
  return hex;
}

namespace {

enum Channel : std::uint8_t {
  kRaw = 1U << 0U,
  kAgg = 1U << 1U,
  kQuote = 1U << 2U,
  kFunding = 1U << 3U,  // funding_rates.<instr>
};

constexpr std::string_view kFundingRates = "funding_rates.";
constexpr std::string_view kPriceIndex = "deribit_price_index.";

// The index of an instrument: its name before the first '-', lower case.
std::string index_of(std::string_view instrument) {
  const auto dash = instrument.find('-');
  if (dash == std::string_view::npos || dash == 0) return {};
  std::string index(instrument.substr(0, dash));
  for (char& c : index) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return index;
}

// Push k (1, 2, ...): a funding rate cycling through -0.000025 .. +0.000025
// in steps of 0.00000125 plus sym units of 1e-8, and an index price within
// 100 ticks of the index's first symbol's start price with one digit more
// (..5): exact decimals, different from push to push, independent of timing
// and seed.
std::string funding_value(std::size_t sym, std::uint64_t k) {
  const std::int64_t rate =
      (static_cast<std::int64_t>(k % 41) - 20) * 125 + static_cast<std::int64_t>(sym);
  return decimal_text(rate, -8);
}
std::string index_value(const SymbolSpec& first, std::uint64_t k) {
  const auto step = static_cast<std::int64_t>(k % 201) - 100;
  return decimal_text((first.start_px + step * first.tick) * 10 + 5, first.px_exp - 1);
}

class PulseSession final : public VenueSession {
 public:
  PulseSession(Venue& v, Connection& c, std::size_t symbols, std::size_t indexes)
      : VenueSession(v, c), channels(symbols, 0), agg_last(symbols, 0), index_subs(indexes, 0) {}
  void on_text(std::string_view text) override;
  [[nodiscard]] std::size_t subscriptions() const override {
    std::size_t n = 0;
    for (std::uint8_t t : channels) n += static_cast<std::size_t>(__builtin_popcount(t));
    for (std::uint8_t t : index_subs) n += t;
    return n;
  }

  std::vector<std::uint8_t> channels;    // per symbol, Channel bits
  std::vector<std::uint64_t> agg_last;   // per symbol, last change_id sent on .100ms
  std::vector<std::uint8_t> index_subs;  // per index (PulseVenue::indexes_): 1 subscribed
  bool authenticated = false;
  std::int64_t token_expires_ms = 0;  // wall clock; 0: no token
  int heartbeat_s = 0;                // 0: heartbeats off
  Clock::time_point next_heartbeat{};
  bool test_request_pending = false;
};

struct Rpc {
  std::string id = "null";
  std::int64_t us_in = 0;
};

class PulseVenue final : public Venue {
 public:
  PulseVenue(const VenueModule& module, VenueOptions opts, PulseOptions pulse);
  void handle(PulseSession& s, std::string_view text);
  [[nodiscard]] std::optional<PulseReferenceSent> reference_sent(std::size_t sym) const {
    const std::lock_guard<std::mutex> lock(sent_mutex_);
    if (sym >= sent_.size()) return std::nullopt;
    return sent_[sym];
  }

 protected:
  std::unique_ptr<VenueSession> make_session(Connection& conn) override {
    return std::make_unique<PulseSession>(*this, conn, symbols().size(), indexes_.size());
  }
  void delta_recipients(std::size_t sym, std::vector<Connection*>& out) override {
    for_each_session([&](VenueSession& vs) {
      auto& s = static_cast<PulseSession&>(vs);
      if ((s.channels[sym] & kRaw) != 0) out.push_back(&s.conn());
    });
  }
  void on_event(std::size_t sym, const BookEvent& ev) override;
  void on_timer(Clock::time_point now) override;
  void on_finish() override { flush_aggregated(); }

 private:
  void append_px(std::string& out, std::size_t sym, std::int64_t v) {
    append_num(out, v, symbols()[sym].px_exp);
  }
  void append_amount(std::string& out, std::size_t sym, std::int64_t v) {
    append_num(out, v, symbols()[sym].qty_exp);
  }
  void append_num(std::string& out, std::int64_t v, int exp) {
    // Deribit prints floats ("1054.0") and sometimes exponent forms ("2.5e4").
    const bool expo = v != 0 && format_rng().chance(pulse_.exponent_rate);
    append_decimal(out, v, exp, expo ? NumberStyle::exponent : NumberStyle::float_like);
  }
  // Opens one level entry: `[` then the action word, unless levels are pairs.
  void open_level(std::string& out, bool first, const char* action) const {
    out += first ? "[" : ",[";
    if (!pulse_.pair_levels) out.append("\"").append(action).append("\",");
  }
  [[nodiscard]] std::string notification_head(std::string_view channel) const;
  [[nodiscard]] std::string snapshot_frame(std::size_t sym, const char* interval);
  [[nodiscard]] std::string quote_frame(std::size_t sym, std::int64_t ts);
  void flush_aggregated();
  void push_reference();
  [[nodiscard]] std::optional<std::size_t> find_index(std::string_view name) const {
    for (std::size_t j = 0; j < indexes_.size(); ++j) {
      if (indexes_[j] == name) return j;
    }
    return std::nullopt;
  }
  static std::int64_t wall_us();

  void result(PulseSession& s, const Rpc& rpc, std::string_view result_json);
  // An ack with nothing to return: Deribit's "ok" result, or the document's
  // connection.Message {description, response, status} with the request's id.
  void ack(PulseSession& s, const Rpc& rpc);
  void unknown_method(PulseSession& s, const Rpc& rpc) {
    error(s, rpc, -32601, "Method not found");
  }
  void error(PulseSession& s, const Rpc& rpc, int code, std::string_view message,
             std::string_view data_json = {});
  void subscribe(PulseSession& s, const Rpc& rpc, simdjson::dom::element params, bool on);
  void auth(PulseSession& s, const Rpc& rpc, simdjson::dom::element params);
  void set_heartbeat(PulseSession& s, const Rpc& rpc, simdjson::dom::element params);

  PulseOptions pulse_;
  simdjson::dom::parser parser_;
  simdjson::dom::parser empty_parser_;
  simdjson::dom::element empty_;  // `{}` for requests without params
  Rng change_rng_;
  std::uint64_t change_id_;                 // shared across instruments, never +1 (§2.5)
  std::vector<std::uint64_t> last_change_;  // per instrument
  std::vector<std::set<std::pair<int, std::int64_t>>> pending_agg_;
  Clock::time_point next_agg_;
  std::uint32_t lose_test_answers_ = pulse_.lose_test_answers;
  std::uint32_t heartbeat_closes_ = 0;
  // Reference channels.
  std::vector<std::string> indexes_;         // distinct index names, in symbol order
  std::vector<std::size_t> index_first_;     // per index: its first symbol
  std::vector<std::size_t> index_at_;        // per symbol: its index (npos: none)
  std::vector<std::uint64_t> funding_step_;  // per symbol: pushes so far
  std::vector<std::uint64_t> index_step_;    // per index: pushes so far
  Clock::time_point next_ref_;
  mutable std::mutex sent_mutex_;  // sent_ is read by tests on other threads
  std::vector<PulseReferenceSent> sent_;

  // Documented mode has no public/unsubscribe: a client gets one symbol's
  // snapshot back only with every other's (unsubscribe_all, or a reconnect).
  [[nodiscard]] bool resync_takes_every_symbol() const noexcept override {
    return pulse_.documented;
  }
  // Every lost answer has had its heartbeat close.
  [[nodiscard]] bool module_settled() const noexcept override {
    return lose_test_answers_ == 0 && heartbeat_closes_ >= pulse_.lose_test_answers;
  }
};

void PulseSession::on_text(std::string_view text) {
  static_cast<PulseVenue&>(venue_).handle(*this, text);
}

PulseVenue::PulseVenue(const VenueModule& module, VenueOptions opts, PulseOptions pulse)
    : Venue(module, std::move(opts)),
      pulse_(std::move(pulse)),
      change_rng_(derive_seed(opts_.seed, "pulse:change_id")),
      change_id_(193'809'616'666ULL + change_rng_.below(1'000'000)),
      pending_agg_(symbols().size()),
      next_agg_(Clock::now()),
      funding_step_(symbols().size(), 0),
      next_ref_(Clock::now()),
      sent_(symbols().size()) {
  if (empty_parser_.parse(std::string_view("{}")).get(empty_) != simdjson::SUCCESS)
    throw std::runtime_error("simdjson");
  for (std::size_t i = 0; i < symbols().size(); ++i) {
    change_id_ += 1 + change_rng_.below(50);
    last_change_.push_back(change_id_);
    const std::string index = index_of(symbols()[i].name);
    std::optional<std::size_t> at = index.empty() ? std::nullopt : find_index(index);
    if (!index.empty() && !at) {
      at = indexes_.size();
      indexes_.push_back(index);
      index_first_.push_back(i);
    }
    index_at_.push_back(at.value_or(std::string::npos));
  }
  index_step_.assign(indexes_.size(), 0);
}

std::int64_t PulseVenue::wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string PulseVenue::notification_head(std::string_view channel) const {
  std::string f = "{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"";
  f += channel;
  f += "\",\"data\":{";
  return f;
}

std::string PulseVenue::snapshot_frame(std::size_t sym, const char* interval) {
  const std::string& name = symbols()[sym].name;
  std::string f = notification_head("book." + name + "." + interval);
  f += "\"timestamp\":";
  append_int(f, last_ts_ms(sym));
  f += ",\"type\":\"snapshot\",\"change_id\":";
  append_uint(f, last_change_[sym]);
  f += ",\"instrument_name\":\"" + name + "\"";
  const book::L2Book& b = generator(sym).book();
  std::vector<book::Level> lv;
  for (book::Side side : {book::Side::bid, book::Side::ask}) {
    lv.resize(b.level_count(side));
    lv.resize(b.copy_top(side, lv.data(), lv.size()));
    f += side == book::Side::bid ? ",\"bids\":[" : ",\"asks\":[";
    for (std::size_t i = 0; i < lv.size(); ++i) {
      open_level(f, i == 0, "new");
      append_px(f, sym, lv[i].px);
      f += ',';
      append_amount(f, sym, lv[i].qty);
      f += ']';
    }
    f += ']';
  }
  // The Pulse page's snapshot example carries "prev_change_id": 0; Deribit's
  // omit it. Clients must key on `type` (PROTOCOLS §2.4), so send both forms.
  if (format_rng().chance(0.5)) f += ",\"prev_change_id\":0";
  f += "}}}";
  return f;
}

std::string PulseVenue::quote_frame(std::size_t sym, std::int64_t ts) {
  const std::string& name = symbols()[sym].name;
  book::Level bid{}, ask{};
  const book::L2Book& b = generator(sym).book();
  (void)b.best(book::Side::bid, bid);
  (void)b.best(book::Side::ask, ask);
  std::string f = notification_head("quote." + name);
  f += "\"timestamp\":";
  append_int(f, ts);
  f += ",\"instrument_name\":\"" + name + "\",\"best_ask_price\":";
  append_px(f, sym, ask.px);
  f += ",\"best_bid_price\":";
  append_px(f, sym, bid.px);
  f += ",\"best_ask_amount\":";
  append_amount(f, sym, ask.qty);
  f += ",\"best_bid_amount\":";
  append_amount(f, sym, bid.qty);
  f += "}}}";
  return f;
}

void PulseVenue::on_event(std::size_t sym, const BookEvent& ev) {
  const std::string& name = symbols()[sym].name;
  const std::int64_t ts = next_ts_ms(sym);
  const std::uint64_t prev = last_change_[sym];
  change_id_ += 1 + change_rng_.below(40);  // other instruments' changes share the counter
  last_change_[sym] = change_id_;
  const std::uint64_t change_id = change_id_;
  auto format = [&](const std::vector<LevelChange>& changes) {
    std::string f = notification_head("book." + name + ".raw");
    f += "\"timestamp\":";
    append_int(f, ts);
    f += ",\"type\":\"change\",\"change_id\":";
    append_uint(f, change_id);
    f += ",\"instrument_name\":\"" + name + "\"";
    for (book::Side side : {book::Side::bid, book::Side::ask}) {
      f += side == book::Side::bid ? ",\"bids\":[" : ",\"asks\":[";
      bool first = true;
      for (const LevelChange& c : changes) {
        if (c.side != side) continue;
        open_level(f, first, c.qty == 0 ? "delete" : (c.old_qty == 0 ? "new" : "change"));
        first = false;
        append_px(f, sym, c.px);
        f += ',';
        if (c.qty == 0) {
          f += "0.0";
        } else {
          append_amount(f, sym, c.qty);
        }
        f += ']';
      }
      f += ']';
    }
    f += ",\"prev_change_id\":";  // after asks, as observed (§2.4)
    append_uint(f, prev);
    f += "}}}";
    return f;
  };
  for (const LevelChange& c : ev.changes) {
    pending_agg_[sym].emplace(static_cast<int>(c.side), c.px);
  }
  deliver_delta(sym, ev, "prev_change_id", format);
  if (ev.top_changed) {
    SharedFrame q;
    for_each_session([&](VenueSession& vs) {
      auto& s = static_cast<PulseSession&>(vs);
      if ((s.channels[sym] & kQuote) == 0) return;
      if (!q) q = make_frame(quote_frame(sym, ts));
      send(s.conn(), q);
    });
  }
}

void PulseVenue::flush_aggregated() {
  for (std::size_t sym = 0; sym < pending_agg_.size(); ++sym) {
    auto& pending = pending_agg_[sym];
    if (pending.empty()) continue;
    const std::string& name = symbols()[sym].name;
    const book::L2Book& b = generator(sym).book();
    std::string body = notification_head("book." + name + ".100ms");
    body += "\"timestamp\":";
    append_int(body, last_ts_ms(sym));
    body += ",\"type\":\"change\",\"change_id\":";
    append_uint(body, last_change_[sym]);
    body += ",\"instrument_name\":\"" + name + "\"";
    for (int side : {0, 1}) {
      body += side == 0 ? ",\"bids\":[" : ",\"asks\":[";
      bool first = true;
      auto emit = [&](const std::pair<int, std::int64_t>& k) {
        if (k.first != side) return;
        const std::int64_t q = b.qty_at(static_cast<book::Side>(side), k.second);
        open_level(body, first, q == 0 ? "delete" : "change");
        first = false;
        append_px(body, sym, k.second);
        body += ',';
        if (q == 0) {
          body += "0.0";
        } else {
          append_amount(body, sym, q);
        }
        body += ']';
      };
      // Bids best first (descending), asks ascending, as observed (§2.4).
      if (side == 0) {
        for (auto it = pending.rbegin(); it != pending.rend(); ++it) emit(*it);
      } else {
        for (const auto& k : pending) emit(k);
      }
      body += ']';
    }
    pending.clear();
    for_each_session([&](VenueSession& vs) {
      auto& s = static_cast<PulseSession&>(vs);
      if ((s.channels[sym] & kAgg) == 0) return;
      // prev_change_id is per subscriber: the id of the last .100ms message
      // (or snapshot) this connection got for the instrument.
      std::string f = body + ",\"prev_change_id\":";
      append_uint(f, s.agg_last[sym]);
      f += "}}}";
      s.agg_last[sym] = last_change_[sym];
      send(s.conn(), make_frame(std::move(f)));
    });
  }
}

// funding_rates: models.FundingRateNotification's fields (rate a string,
// range_start/range_end the hour around now in seconds, as the example);
// deribit_price_index: models.PriceNotification (price a number, timestamp
// in ms as every Pulse timestamp, PROTOCOLS §2.7).
void PulseVenue::push_reference() {
  const std::int64_t now_ms = wall_ms();
  const std::int64_t hour_s = now_ms / 1000 / 3600 * 3600;
  std::vector<Connection*> to;
  for (std::size_t sym = 0; sym < symbols().size(); ++sym) {
    const std::string rate = funding_value(sym, ++funding_step_[sym]);
    to.clear();
    for_each_session([&](VenueSession& vs) {
      auto& s = static_cast<PulseSession&>(vs);
      if ((s.channels[sym] & kFunding) != 0) to.push_back(&s.conn());
    });
    if (to.empty()) continue;
    const std::string& name = symbols()[sym].name;
    std::string f = notification_head(std::string(kFundingRates) + name);
    f += "\"instrument_name\":\"" + name + "\",\"range_end\":";
    append_int(f, hour_s + 3600);
    f += ",\"range_start\":";
    append_int(f, hour_s);
    f += ",\"rate\":\"" + rate + "\"}}}";
    const SharedFrame frame = make_frame(std::move(f));
    for (Connection* c : to) send(*c, frame);
    const std::lock_guard<std::mutex> lock(sent_mutex_);
    sent_[sym].funding_rate = rate;
    ++sent_[sym].funding_pushes;
  }
  for (std::size_t j = 0; j < indexes_.size(); ++j) {
    const std::string price = index_value(symbols()[index_first_[j]], ++index_step_[j]);
    to.clear();
    for_each_session([&](VenueSession& vs) {
      auto& s = static_cast<PulseSession&>(vs);
      if (s.index_subs[j] != 0) to.push_back(&s.conn());
    });
    if (to.empty()) continue;
    std::string f = notification_head(std::string(kPriceIndex) + indexes_[j]);
    f += "\"index_name\":\"" + indexes_[j] + "\",\"price\":" + price + ",\"timestamp\":";
    append_int(f, now_ms);
    f += "}}}";
    const SharedFrame frame = make_frame(std::move(f));
    for (Connection* c : to) send(*c, frame);
    const std::lock_guard<std::mutex> lock(sent_mutex_);
    for (std::size_t sym = 0; sym < symbols().size(); ++sym) {
      if (index_at_[sym] != j) continue;
      sent_[sym].index_price = price;
      sent_[sym].index_ts_ms = now_ms;
      ++sent_[sym].index_pushes;
    }
  }
}

void PulseVenue::on_timer(Clock::time_point now) {
  if (now >= next_agg_) {
    next_agg_ = now + std::chrono::milliseconds(pulse_.agg_ms);
    flush_aggregated();
  }
  if (now >= next_ref_) {
    next_ref_ = now + std::chrono::milliseconds(pulse_.ref_ms);
    push_reference();
  }
  const std::int64_t now_ms = wall_ms();
  for_each_session([&](VenueSession& vs) {
    auto& s = static_cast<PulseSession&>(vs);
    if (s.token_expires_ms != 0 && now_ms >= s.token_expires_ms) {
      s.token_expires_ms = 0;
      s.conn().close(4001, "token expired");
      s.mark_closing();
      break_all();
      return;
    }
    if (s.heartbeat_s == 0 || now < s.next_heartbeat) return;
    s.next_heartbeat = now + std::chrono::milliseconds(static_cast<std::int64_t>(s.heartbeat_s) *
                                                       pulse_.second_ms);
    if (s.test_request_pending) {
      // Unanswered test_request: Deribit closes with 4000 "heartbeat close" (§2.6).
      stats().heartbeat_closes.fetch_add(1, std::memory_order_relaxed);
      s.conn().close(4000, "heartbeat close");
      s.mark_closing();
      ++heartbeat_closes_;
      break_all();
      return;
    }
    s.test_request_pending = true;
    send(s.conn(), make_frame("{\"jsonrpc\":\"2.0\",\"method\":\"heartbeat\",\"params\":{\"type\":"
                              "\"test_request\"}}"));
  });
}

void PulseVenue::result(PulseSession& s, const Rpc& rpc, std::string_view result_json) {
  const std::int64_t out = wall_us();
  std::string f = "{\"jsonrpc\":\"2.0\",\"id\":" + rpc.id + ",\"result\":";
  f += result_json;
  f += ",\"usIn\":";
  append_int(f, rpc.us_in);
  f += ",\"usOut\":";
  append_int(f, out);
  f += ",\"usDiff\":";
  append_int(f, out - rpc.us_in);
  f += ",\"testnet\":false}";
  send(s.conn(), make_frame(std::move(f)));
}

// The document lists error codes only as CommonCodes 1..13, without
// meanings; documented mode picks one per kind of refusal.
int common_code(int deribit_code) {
  switch (deribit_code) {
    case -32601:
      return 4;  // unknown method
    case -32602:
      return 2;  // invalid params
    case 13778:
    case 13004:
    case 13009:
      return 9;  // not authorised / bad credentials
    default:
      return 1;  // bad request
  }
}

void PulseVenue::ack(PulseSession& s, const Rpc& rpc) {
  if (!pulse_.documented) {
    result(s, rpc, "\"ok\"");
    return;
  }
  send(s.conn(), make_frame("{\"jsonrpc\":\"2.0\",\"id\":" + rpc.id +
                            ",\"description\":\"ok\",\"response\":null,\"status\":200}"));
}

void PulseVenue::error(PulseSession& s, const Rpc& rpc, int code, std::string_view message,
                       std::string_view data_json) {
  if (pulse_.documented) code = common_code(code);
  const std::int64_t out = wall_us();
  std::string f = "{\"jsonrpc\":\"2.0\",";
  if (rpc.id != "null") f += "\"id\":" + rpc.id + ",";  // absent when the request was unreadable
  f += "\"error\":{\"code\":";
  append_int(f, code);
  f += ",\"message\":";
  append_json_string(f, message);
  if (!data_json.empty()) {
    f += ",\"data\":";
    f += data_json;
  }
  f += "},\"usIn\":";
  append_int(f, rpc.us_in);
  f += ",\"usOut\":";
  append_int(f, out);
  f += ",\"usDiff\":";
  append_int(f, out - rpc.us_in);
  f += ",\"testnet\":false}";
  send(s.conn(), make_frame(std::move(f)));
}

void PulseVenue::subscribe(PulseSession& s, const Rpc& rpc, simdjson::dom::element params,
                           bool on) {
  simdjson::dom::array channels;
  if (params["channels"].get_array().get(channels) != simdjson::SUCCESS) {
    error(s, rpc, -32602, "Invalid params", R"({"reason":"must be an array","param":"channels"})");
    return;
  }
  struct Pick {
    std::size_t sym;
    std::uint8_t bit;  // 0: the index `sym` (deribit_price_index)
    std::string name;
  };
  std::vector<Pick> picks;
  for (simdjson::dom::element ch : channels) {
    std::string_view name;
    if (ch.get_string().get(name) != simdjson::SUCCESS) continue;
    // book.<instr>.raw | book.<instr>.100ms | quote.<instr> | funding_rates.<instr> |
    // deribit_price_index.<index>; others are dropped silently (§2.2).
    std::uint8_t bit = 0;
    std::string_view instr;
    if (name.starts_with(kPriceIndex)) {
      const auto j = find_index(name.substr(kPriceIndex.size()));
      if (!j || (!on && s.index_subs[*j] == 0)) continue;
      picks.push_back({*j, 0, std::string(name)});
      continue;
    }
    if (name.starts_with(kFundingRates)) {
      bit = kFunding;
      instr = name.substr(kFundingRates.size());
    } else if (name.starts_with("quote.")) {
      bit = kQuote;
      instr = name.substr(6);
    } else if (name.starts_with("book.")) {
      const std::string_view rest = name.substr(5);
      const std::size_t dot = rest.rfind('.');
      if (dot == std::string_view::npos) continue;
      const std::string_view interval = rest.substr(dot + 1);
      if (interval == "raw")
        bit = kRaw;
      else if (interval == "100ms")
        bit = kAgg;
      else
        continue;
      instr = rest.substr(0, dot);
    } else {
      continue;
    }
    const auto sym = find_symbol(instr);
    if (!sym) continue;
    if (on && bit == kRaw && pulse_.raw_needs_auth && !s.authenticated) {
      error(s, rpc, 13778, "raw_subscriptions_not_available_for_unauthorized");
      return;
    }
    if (!on && (s.channels[*sym] & bit) == 0) continue;
    picks.push_back({*sym, bit, std::string(name)});
  }
  std::string list = "[";
  for (std::size_t i = 0; i < picks.size(); ++i) {
    if (i != 0) list += ',';
    append_json_string(list, picks[i].name);
  }
  list += ']';
  std::vector<Pick> fresh;
  for (const Pick& p : picks) {
    if (p.bit == 0) {
      s.index_subs[p.sym] = on ? 1 : 0;
      continue;
    }
    const bool had = (s.channels[p.sym] & p.bit) != 0;
    if (on) {
      s.channels[p.sym] |= p.bit;
      if (!had) fresh.push_back(p);  // an already active channel gets no new snapshot (§2.5)
    } else {
      s.channels[p.sym] &= static_cast<std::uint8_t>(~p.bit);
    }
  }
  // The document's public/subscribe returns "string"; Deribit the channel list.
  result(s, rpc, pulse_.documented && on ? std::string("\"ok\"") : list);
  for (const Pick& p : fresh) {
    if (p.bit == kFunding) continue;  // pushed every ref_ms (push_reference)
    if (p.bit == kRaw) {
      send(s.conn(), make_frame(snapshot_frame(p.sym, "raw")));
      snapshot_served(p.sym, s);
    } else if (p.bit == kAgg) {
      s.agg_last[p.sym] = last_change_[p.sym];
      send(s.conn(), make_frame(snapshot_frame(p.sym, "100ms")));
      snapshot_served(p.sym, s);
    } else {
      send(s.conn(), make_frame(quote_frame(p.sym, last_ts_ms(p.sym))));
    }
  }
}

void PulseVenue::auth(PulseSession& s, const Rpc& rpc, simdjson::dom::element params) {
  const auto grant = str_field(params, "grant_type");
  const auto client_id = str_field(params, "client_id");
  if (!grant || (!client_id && *grant != "refresh_token")) {
    error(s, rpc, -32602, "Invalid params", R"({"reason":"required","param":"grant_type"})");
    return;
  }
  bool ok = false;
  if (*grant == "refresh_token") {
    ok = str_field(params, "refresh_token").value_or("") == "sim-refresh-token";
  } else if (*grant == "client_credentials") {
    const auto secret = str_field(params, "client_secret");
    ok = *client_id == pulse_.client_id && secret && *secret == pulse_.client_secret;
  } else if (*grant == "client_signature") {
    std::int64_t ts = 0;
    const auto sig = str_field(params, "signature");
    if (params["timestamp"].get_int64().get(ts) != simdjson::SUCCESS || !sig) {
      error(s, rpc, -32602, "Invalid params", R"({"reason":"invalid format","param":"timestamp"})");
      return;
    }
    const std::string ts_text = std::to_string(ts);
    const std::string want =
        pulse_signature(pulse_.client_secret, ts_text, str_field(params, "nonce").value_or(""),
                        str_field(params, "data").value_or(""));
    const std::int64_t skew = wall_ms() - ts;
    ok = *client_id == pulse_.client_id && *sig == want && skew < 60'000 && skew > -60'000;
  } else {
    error(s, rpc, -32602, "Invalid params", R"({"reason":"unsupported","param":"grant_type"})");
    return;
  }
  if (!ok) {
    error(s, rpc, 13004, "invalid_credentials");
    return;
  }
  s.authenticated = true;
  // Seconds from now; an epoch in seconds in documented mode (the
  // LoginResponse example's 1516239022), the token ending on that second.
  const std::int64_t life_s = pulse_.token_lifetime_s;
  const std::int64_t expires_s = wall_ms() / 1000 + life_s;
  s.token_expires_ms = pulse_.documented ? expires_s * 1000 : wall_ms() + life_s * 1000;
  std::string expires;
  append_int(expires, pulse_.documented ? expires_s : life_s);
  result(s, rpc,
         R"({"access_token":"sim-access-token","expires_in":)" + expires +
             R"(,"refresh_token":"sim-refresh-token",)"
             R"("scope":"connection mainaccount","token_type":"bearer"})");
}

void PulseVenue::set_heartbeat(PulseSession& s, const Rpc& rpc, simdjson::dom::element params) {
  std::int64_t interval = 0;
  if (params["interval"].get_int64().get(interval) != simdjson::SUCCESS || interval < 10) {
    // Deribit: "interval in seconds, but not less than 10" (§2.6).
    error(s, rpc, -32602, "Invalid params", R"({"reason":"must be >= 10","param":"interval"})");
    return;
  }
  if (pulse_.documented && s.test_request_pending && lose_test_answers_ > 0) {
    // Fault: this answer to a test_request is lost (documented mode answers
    // with public/set_heartbeat), so the venue closes at the next heartbeat.
    --lose_test_answers_;
    return;
  }
  s.heartbeat_s = static_cast<int>(interval);
  s.test_request_pending = false;  // re-arming answers a pending test_request
  s.next_heartbeat = Clock::now() + std::chrono::milliseconds(interval * pulse_.second_ms);
  ack(s, rpc);
}

void PulseVenue::handle(PulseSession& s, std::string_view text) {
  Rpc rpc;
  rpc.us_in = wall_us();
  simdjson::dom::element msg;
  if (parser_.parse(text.data(), text.size()).get(msg) != simdjson::SUCCESS || !msg.is_object()) {
    error(s, rpc, 11050, "bad_request", "\"invalid json\"");
    return;
  }
  rpc.id = id_json(msg);
  const auto method = str_field(msg, "method");
  if (!method) {
    error(s, rpc, -32600, "Invalid Request");
    return;
  }
  simdjson::dom::element params;
  if (msg["params"].get(params) != simdjson::SUCCESS || !params.is_object()) params = empty_;
  const std::string_view m = *method;
  if (m == "public/subscribe") {
    subscribe(s, rpc, params, true);
  } else if (m == "public/unsubscribe") {
    if (pulse_.documented) {
      unknown_method(s, rpc);  // the document lists public/unsubscribe_all only
      return;
    }
    subscribe(s, rpc, params, false);
  } else if (m == "public/unsubscribe_all") {
    std::fill(s.channels.begin(), s.channels.end(), 0);
    std::fill(s.index_subs.begin(), s.index_subs.end(), 0);
    ack(s, rpc);
  } else if (m == "public/set_heartbeat") {
    set_heartbeat(s, rpc, params);
  } else if (m == "public/disable_heartbeat") {
    s.heartbeat_s = 0;
    s.test_request_pending = false;
    ack(s, rpc);
  } else if (m == "public/test") {
    if (pulse_.documented) {
      unknown_method(s, rpc);  // not in the document
      return;
    }
    if (lose_test_answers_ > 0) {
      // Fault: this answer is lost, so the venue closes at the next heartbeat.
      --lose_test_answers_;
      return;
    }
    s.test_request_pending = false;
    result(s, rpc, R"({"version":"1.2.26"})");
  } else if (m == "public/auth") {
    auth(s, rpc, params);
  } else if (m == "public/get_time") {
    std::string t;
    append_int(t, wall_ms());
    result(s, rpc, t);
  } else {
    unknown_method(s, rpc);
  }
}

}  // namespace

std::optional<PulseReferenceSent> pulse_reference_sent(const Venue& venue, std::size_t sym) {
  const auto* v = dynamic_cast<const PulseVenue*>(&venue);
  return v != nullptr ? v->reference_sent(sym) : std::nullopt;
}

std::unique_ptr<Venue> make_pulse_venue(const VenueModule& module, VenueOptions opts,
                                        PulseOptions pulse) {
  return std::make_unique<PulseVenue>(module, std::move(opts), std::move(pulse));
}

}  // namespace wirebook::sim
