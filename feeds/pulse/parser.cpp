#include "feeds/pulse/parser.hpp"

#include <simdjson.h>

#include <new>

#include "feeds/common/json_text.hpp"
#include "feeds/pulse/fast_book.hpp"

namespace wirebook::feeds::pulse {
namespace od = simdjson::ondemand;
namespace {

// The reference channels (pulse-api.txt "Subscription": funding_rates.{instrument_name},
// deribit_price_index.{index_name}).
constexpr std::string_view kFundingRates = "funding_rates.";
constexpr std::string_view kPriceIndex = "deribit_price_index.";

bool is_null(od::value v) noexcept {
  od::json_type t{};
  return v.type().get(t) == simdjson::SUCCESS && t == od::json_type::null;
}

// One [action, price, amount] entry's action (quotes included in the raw
// token, so escapes or other words are read in full). Sets is_delete.
bool read_action(od::value ev, bool& is_delete) noexcept {
  const std::string_view tok = ev.raw_json_token();
  if (tok.starts_with(R"("delete")")) {
    is_delete = true;
    return true;
  }
  if (tok.starts_with(R"("change")") || tok.starts_with(R"("new")")) return true;
  std::string_view action;
  if (!json::string(ev, action)) return false;
  is_delete = action == "delete";
  return is_delete || action == "new" || action == "change";
}

// [["new"|"change"|"delete", price, amount], ...] or [[price, amount], ...]
// (decided per entry by the type of its first element). Amounts are absolute
// and a delete always means zero, whatever amount it carries.
ParseStatus read_levels(od::value v, LevelText* out, std::size_t max, std::size_t& n) noexcept {
  od::array levels;
  if (v.get_array().get(levels) != simdjson::SUCCESS) return ParseStatus::malformed;
  n = 0;
  for (auto item : levels) {
    od::array entry;
    if (item.get_array().get(entry) != simdjson::SUCCESS) return ParseStatus::malformed;
    if (n >= max) return ParseStatus::too_many_levels;
    std::size_t k = 0;
    std::size_t want = 3;  // elements of this entry's form
    std::size_t px_at = 1;
    bool is_delete = false;
    for (auto e : entry) {
      od::value ev;
      if (e.get(ev) != simdjson::SUCCESS) return ParseStatus::malformed;
      if (k == 0) {
        od::json_type t{};
        if (ev.type().get(t) != simdjson::SUCCESS) return ParseStatus::malformed;
        if (t == od::json_type::number) {
          want = 2;
          px_at = 0;
        } else if (!read_action(ev, is_delete)) {
          return ParseStatus::malformed;
        }
      }
      if (k >= want) return ParseStatus::malformed;
      if (k == px_at) {
        if (!json::number_text(ev, out[n].px)) return ParseStatus::malformed;
      } else if (k == px_at + 1) {
        if (!json::number_text(ev, out[n].qty)) return ParseStatus::malformed;
      }
      ++k;
    }
    if (k != want) return ParseStatus::malformed;
    if (is_delete) out[n].qty = "0";
    ++n;
  }
  return ParseStatus::ok;
}

// Pulse's connection.Message status: 200 in the document's "ok" example;
// anything else (its CommonCodes 1..13, HTTP 4xx/5xx) is a refusal.
bool status_ok(std::int64_t status) noexcept {
  return status >= 200 && status < 300;
}

struct Envelope {
  std::string_view method;
  // data.rate / data.price as written; a wrong type is remembered, not yet
  // malformed: only the reference channels use them (decided by channel).
  bool bad_rate = false;
  bool bad_price = false;
  std::string_view params_type;  // heartbeat type
  bool has_result = false;
  bool has_error = false;
  bool pulse_status_error = false;
  bool pulse_status_ok = false;
};

}  // namespace

std::string_view channel_instrument(std::string_view channel) noexcept {
  const auto dot = channel.find('.');
  if (dot == std::string_view::npos) return {};
  std::string_view rest = channel.substr(dot + 1);
  if (channel.substr(0, dot) == "book") {
    const auto last = rest.rfind('.');
    if (last == std::string_view::npos) return {};
    return rest.substr(0, last);
  }
  return rest;  // quote.<instr>
}

struct Parser::Json {
  explicit Json(std::size_t max_frame) : parser(max_frame) {}
  od::parser parser;
};

Parser::Parser(std::size_t max_levels, std::size_t max_frame)
    : json_(std::make_unique<Json>(max_frame)),
      bids_(std::make_unique<LevelText[]>(max_levels)),
      asks_(std::make_unique<LevelText[]>(max_levels)),
      channels_(std::make_unique<std::string_view[]>(kMaxResultChannels)),
      max_levels_(max_levels),
      max_frame_(max_frame) {
  json::preallocate(json_->parser, max_frame);
}

Parser::~Parser() = default;

void Parser::warm() const noexcept {
  shm::prefetch_for_write(this, sizeof *this);
  warm_level_texts(bids_.get(), asks_.get(), max_levels_);
}

ParseStatus Parser::parse(const char* data, std::size_t len, std::size_t capacity,
                          Message& out) noexcept {
  // The usual book notification in one pass; any other frame (or a frame over
  // the size limit the general path refuses) takes the general path.
  if (fast_path_ && len <= max_frame_ &&
      scan_book_notification(data, len, bids_.get(), asks_.get(), max_levels_, out)) {
    out.result_channels = {channels_.get(), 0};
    return ParseStatus::ok;
  }
  out = Message{};
  od::document doc;
  od::object obj;
  if (!json::top_object(json_->parser, data, len, capacity, doc, obj)) {
    return ParseStatus::malformed;
  }
  Envelope env;
  std::size_t nb = 0;
  std::size_t na = 0;
  std::size_t nch = 0;
  auto read_data = [&](od::object d) noexcept -> ParseStatus {
    for (auto df : d) {
      std::string_view k;
      if (!json::key(df, k)) return ParseStatus::malformed;
      od::value v;
      if (df.value().get(v) != simdjson::SUCCESS) return ParseStatus::malformed;
      ParseStatus st = ParseStatus::ok;
      if (k == "type") {
        std::string_view t;
        if (!json::string(v, t)) return ParseStatus::malformed;
        out.type = t == "snapshot" ? BookType::snapshot
                   : t == "change" ? BookType::change
                                   : BookType::none;
        if (out.type == BookType::none) return ParseStatus::malformed;
      } else if (k == "change_id") {
        if (!json::int_value(v, out.change_id)) return ParseStatus::malformed;
        out.has_change_id = true;
      } else if (k == "prev_change_id") {
        if (is_null(v)) continue;
        if (!json::int_value(v, out.prev_change_id)) return ParseStatus::malformed;
        out.has_prev_change_id = true;
      } else if (k == "timestamp") {
        if (!json::int_value(v, out.timestamp_ms)) return ParseStatus::malformed;
      } else if (k == "instrument_name") {
        if (!json::string(v, out.instrument)) return ParseStatus::malformed;
      } else if (k == "bids") {
        st = read_levels(v, bids_.get(), max_levels_, nb);
      } else if (k == "asks") {
        st = read_levels(v, asks_.get(), max_levels_, na);
      } else if (k == "best_bid_price") {
        if (!json::number_text(v, out.best_bid_price)) return ParseStatus::malformed;
      } else if (k == "best_bid_amount") {
        if (!json::number_text(v, out.best_bid_amount)) return ParseStatus::malformed;
      } else if (k == "best_ask_price") {
        if (!json::number_text(v, out.best_ask_price)) return ParseStatus::malformed;
      } else if (k == "best_ask_amount") {
        if (!json::number_text(v, out.best_ask_amount)) return ParseStatus::malformed;
      } else if (k == "rate") {
        env.bad_rate = !json::number_text(v, out.rate);
      } else if (k == "price") {
        env.bad_price = !json::number_text(v, out.index_price);
      }
      if (st != ParseStatus::ok) return st;
    }
    return ParseStatus::ok;
  };
  for (auto field : obj) {
    std::string_view key;
    if (!json::key(field, key)) return ParseStatus::malformed;
    od::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return ParseStatus::malformed;
    if (key == "id") {
      if (is_null(v)) continue;
      if (!json::int_value(v, out.id)) out.id = -1;  // ids we did not send
    } else if (key == "method") {
      if (!json::string(v, env.method)) return ParseStatus::malformed;
    } else if (key == "params") {
      od::object p;
      if (v.get_object().get(p) != simdjson::SUCCESS) return ParseStatus::malformed;
      for (auto pf : p) {
        std::string_view pk;
        if (!json::key(pf, pk)) return ParseStatus::malformed;
        od::value pv;
        if (pf.value().get(pv) != simdjson::SUCCESS) return ParseStatus::malformed;
        if (pk == "channel") {
          if (!json::string(pv, out.channel)) return ParseStatus::malformed;
        } else if (pk == "type") {
          if (!json::string(pv, env.params_type)) return ParseStatus::malformed;
        } else if (pk == "data") {
          od::json_type t{};
          if (pv.type().get(t) != simdjson::SUCCESS) return ParseStatus::malformed;
          if (t != od::json_type::object) continue;  // trades arrays etc.: not used
          od::object d;
          if (pv.get_object().get(d) != simdjson::SUCCESS) return ParseStatus::malformed;
          if (const auto st = read_data(d); st != ParseStatus::ok) return st;
        }
      }
    } else if (key == "result") {
      env.has_result = true;
      od::json_type t{};
      if (v.type().get(t) != simdjson::SUCCESS) return ParseStatus::malformed;
      if (t == od::json_type::array) {
        od::array a;
        if (v.get_array().get(a) != simdjson::SUCCESS) return ParseStatus::malformed;
        for (auto e : a) {
          std::string_view ch;
          if (e.get_string().get(ch) != simdjson::SUCCESS) return ParseStatus::malformed;
          if (nch < kMaxResultChannels) channels_[nch++] = ch;
        }
      } else if (t == od::json_type::object) {
        // public/auth: {access_token, expires_in, refresh_token, ...}, or a
        // wrapped connection.Message {description, response, status}.
        out.result_not_list = true;
        od::object r;
        if (v.get_object().get(r) != simdjson::SUCCESS) return ParseStatus::malformed;
        for (auto rf : r) {
          std::string_view rk;
          if (!json::key(rf, rk)) return ParseStatus::malformed;
          od::value rv;
          if (rf.value().get(rv) != simdjson::SUCCESS) return ParseStatus::malformed;
          if (rk == "access_token") {
            std::string_view tok;
            out.has_access_token = json::string(rv, tok) && !tok.empty();
          } else if (rk == "refresh_token") {
            if (!json::string(rv, out.refresh_token)) return ParseStatus::malformed;
          } else if (rk == "expires_in") {
            if (!json::int_value(rv, out.expires_in)) return ParseStatus::malformed;
          } else if (rk == "status") {
            std::int64_t status = 0;
            if (!json::int_value(rv, status)) return ParseStatus::malformed;
            if (!status_ok(status)) {
              env.pulse_status_error = true;
              out.error_code = status;
            }
          } else if (rk == "description") {
            if (!json::string(rv, out.error_message)) out.error_message = {};
          }
        }
      } else {
        out.result_not_list = true;  // "ok", a channel name, null ...
      }
    } else if (key == "error") {
      env.has_error = true;
      od::object e;
      if (v.get_object().get(e) != simdjson::SUCCESS) return ParseStatus::malformed;
      for (auto ef : e) {
        std::string_view ek;
        if (!json::key(ef, ek)) return ParseStatus::malformed;
        od::value ev;
        if (ef.value().get(ev) != simdjson::SUCCESS) return ParseStatus::malformed;
        if (ek == "code") {
          if (!json::int_value(ev, out.error_code)) return ParseStatus::malformed;
        } else if (ek == "message") {
          if (!json::string(ev, out.error_message)) return ParseStatus::malformed;
        }
        // "data" may be absent, null, a string or an object: not needed here.
      }
    } else if (key == "status") {
      // Pulse's connection.Message {description, response, status}.
      std::int64_t status = 0;
      if (!json::int_value(v, status)) return ParseStatus::malformed;
      if (status_ok(status)) {
        env.pulse_status_ok = true;
      } else {
        env.pulse_status_error = true;
        out.error_code = status;
      }
    } else if (key == "description") {
      if (!json::string(v, out.error_message)) out.error_message = {};
    }
  }
  out.bids = {bids_.get(), nb};
  out.asks = {asks_.get(), na};
  out.result_channels = {channels_.get(), nch};

  if (env.has_error || env.pulse_status_error) {
    out.kind = MsgKind::error;
    return ParseStatus::ok;
  }
  if (env.method == "subscription") {
    if (out.channel.starts_with("book.")) {
      if (out.type == BookType::none || !out.has_change_id) return ParseStatus::malformed;
      const std::string_view from_channel = channel_instrument(out.channel);
      if (!out.instrument.empty() && out.instrument != from_channel) return ParseStatus::malformed;
      out.instrument = from_channel;
      out.kind = MsgKind::book;
    } else if (out.channel.starts_with("quote.")) {
      if (out.best_bid_price.empty() || out.best_ask_price.empty()) return ParseStatus::malformed;
      out.instrument = channel_instrument(out.channel);
      out.kind = MsgKind::quote;
    } else if (out.channel.starts_with(kFundingRates)) {
      // pulse-api.txt models.FundingRateNotification: rate is a string (a
      // number is read exactly too); range_start/range_end are not used.
      if (env.bad_rate || out.rate.empty()) return ParseStatus::malformed;
      const std::string_view from_channel = out.channel.substr(kFundingRates.size());
      if (!out.instrument.empty() && out.instrument != from_channel) return ParseStatus::malformed;
      out.instrument = from_channel;
      out.kind = MsgKind::funding_rate;
    } else if (out.channel.starts_with(kPriceIndex)) {
      // models.PriceNotification: price (number), timestamp (integer). Its
      // index_name example ("BTC_USD-PERPETUAL") is not the channel's index:
      // the channel names it.
      if (env.bad_price || out.index_price.empty()) return ParseStatus::malformed;
      out.index_name = out.channel.substr(kPriceIndex.size());
      out.kind = MsgKind::price_index;
    } else {
      out.kind = MsgKind::other;
    }
    return ParseStatus::ok;
  }
  if (env.method == "heartbeat") {
    out.kind = env.params_type == "test_request" ? MsgKind::test_request : MsgKind::heartbeat;
    return ParseStatus::ok;
  }
  if (env.has_result || (env.pulse_status_ok && out.id >= 0)) {
    if (!env.has_result) out.result_not_list = true;  // a bare connection.Message ack
    out.kind = MsgKind::result;
    return ParseStatus::ok;
  }
  out.kind = MsgKind::other;
  return ParseStatus::ok;
}

}  // namespace wirebook::feeds::pulse
