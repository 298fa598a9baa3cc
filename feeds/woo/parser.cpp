#include "feeds/woo/parser.hpp"

#include <simdjson.h>

#include <new>

#include "feeds/common/json_text.hpp"

namespace wirebook::feeds::woo {
namespace od = simdjson::ondemand;
namespace {

// Reads [[px, qty], ...] into `out`; false on a wrong shape or too many levels.
ParseStatus read_levels(od::value v, LevelText* out, std::size_t max, std::size_t& n) noexcept {
  od::array levels;
  if (v.get_array().get(levels) != simdjson::SUCCESS) return ParseStatus::malformed;
  n = 0;
  for (auto item : levels) {
    od::value lv;
    if (item.get(lv) != simdjson::SUCCESS) return ParseStatus::malformed;
    od::array pair;
    if (lv.get_array().get(pair) != simdjson::SUCCESS) return ParseStatus::malformed;
    if (n >= max) return ParseStatus::too_many_levels;
    if (!json::number_pair(pair, out[n].px, out[n].qty)) return ParseStatus::malformed;
    ++n;
  }
  return ParseStatus::ok;
}

struct Envelope {
  std::string_view topic;
  std::string_view event;
  bool has_success = false;
  bool success = false;
  bool data_is_object = false;
};

}  // namespace

struct Parser::Json {
  explicit Json(std::size_t max_frame) : parser(max_frame) {}
  od::parser parser;
};

Parser::Parser(std::size_t max_levels, std::size_t max_frame)
    : json_(std::make_unique<Json>(max_frame)),
      bids_(std::make_unique<LevelText[]>(max_levels)),
      asks_(std::make_unique<LevelText[]>(max_levels)),
      max_levels_(max_levels) {
  json::preallocate(json_->parser, max_frame);
}

Parser::~Parser() = default;

ParseStatus Parser::parse(const char* data, std::size_t len, std::size_t capacity,
                          Message& out) noexcept {
  out = Message{};
  od::document doc;
  od::object obj;
  if (!json::top_object(json_->parser, data, len, capacity, doc, obj)) {
    return ParseStatus::malformed;
  }
  Envelope env;
  std::size_t nb = 0;
  std::size_t na = 0;
  for (auto field : obj) {
    std::string_view key;
    if (!json::key(field, key)) return ParseStatus::malformed;
    od::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return ParseStatus::malformed;
    if (key == "topic") {
      if (!json::string(v, env.topic)) return ParseStatus::malformed;
    } else if (key == "event") {
      if (!json::string(v, env.event)) return ParseStatus::malformed;
    } else if (key == "ts") {
      if (!json::int_value(v, out.ts_ms)) return ParseStatus::malformed;
    } else if (key == "id") {
      if (!json::string(v, out.id)) {
        out.id = {};  // ids we did not send may be numbers; they are not needed
      }
    } else if (key == "success") {
      env.has_success = true;
      if (v.get_bool().get(env.success) != simdjson::SUCCESS) return ParseStatus::malformed;
    } else if (key == "errorMsg") {
      if (!json::string(v, out.error_msg)) return ParseStatus::malformed;
    } else if (key == "data") {
      od::json_type t{};
      if (v.type().get(t) != simdjson::SUCCESS) return ParseStatus::malformed;
      if (t != od::json_type::object) continue;  // unsubscribe ack string, bbos arrays
      env.data_is_object = true;
      od::object d;
      if (v.get_object().get(d) != simdjson::SUCCESS) return ParseStatus::malformed;
      for (auto df : d) {
        std::string_view dk;
        if (!json::key(df, dk)) return ParseStatus::malformed;
        od::value dv;
        if (df.value().get(dv) != simdjson::SUCCESS) return ParseStatus::malformed;
        ParseStatus st = ParseStatus::ok;
        if (dk == "symbol") {
          if (!json::string(dv, out.symbol)) return ParseStatus::malformed;
        } else if (dk == "prevTs") {
          if (!json::int_value(dv, out.prev_ts_ms)) return ParseStatus::malformed;
          out.has_prev_ts = true;
        } else if (dk == "ts") {
          if (!json::int_value(dv, out.data_ts_ms)) return ParseStatus::malformed;
          out.has_data_ts = true;
        } else if (dk == "bids") {
          st = read_levels(dv, bids_.get(), max_levels_, nb);
        } else if (dk == "asks") {
          st = read_levels(dv, asks_.get(), max_levels_, na);
        } else if (dk == "price") {
          if (!json::number_text(dv, out.price)) return ParseStatus::malformed;
        } else if (dk == "size") {
          if (!json::number_text(dv, out.size)) return ParseStatus::malformed;
        } else if (dk == "side") {
          if (!json::string(dv, out.side)) return ParseStatus::malformed;
        } else if (dk == "bid") {
          if (!json::number_text(dv, out.bid)) return ParseStatus::malformed;
        } else if (dk == "bidSize") {
          if (!json::number_text(dv, out.bid_size)) return ParseStatus::malformed;
        } else if (dk == "ask") {
          if (!json::number_text(dv, out.ask)) return ParseStatus::malformed;
        } else if (dk == "askSize") {
          if (!json::number_text(dv, out.ask_size)) return ParseStatus::malformed;
        }
        if (st != ParseStatus::ok) return st;
      }
    }
  }
  out.bids = {bids_.get(), nb};
  out.asks = {asks_.get(), na};

  if (env.has_success && !env.success) {
    out.kind = MsgKind::error;
    return ParseStatus::ok;
  }
  if (!env.topic.empty()) {
    const auto at = env.topic.find('@');
    if (at == std::string_view::npos) {
      out.kind = MsgKind::other;  // "bbos", "tickers", ...
      return ParseStatus::ok;
    }
    const std::string_view sym = env.topic.substr(0, at);
    const std::string_view what = env.topic.substr(at + 1);
    if (!out.symbol.empty() && out.symbol != sym) return ParseStatus::malformed;
    out.symbol = sym;
    if (what == "orderbookupdate") {
      if (!env.data_is_object || !out.has_prev_ts || out.ts_ms == 0) return ParseStatus::malformed;
      out.kind = MsgKind::book_update;
    } else if (what == "orderbook" || what == "orderbook100") {
      if (!env.data_is_object || out.ts_ms == 0) return ParseStatus::malformed;
      out.kind = MsgKind::book_snapshot;
    } else if (what == "trade") {
      if (out.price.empty() || out.size.empty()) return ParseStatus::malformed;
      out.kind = MsgKind::trade;
    } else if (what == "bbo") {
      if (out.bid.empty() || out.ask.empty() || out.bid_size.empty() || out.ask_size.empty()) {
        return ParseStatus::malformed;
      }
      out.kind = MsgKind::bbo;
    } else {
      out.kind = MsgKind::other;
    }
    return ParseStatus::ok;
  }
  if (env.event == "ping") {
    out.kind = MsgKind::ping;
  } else if (env.event == "pong") {
    out.kind = MsgKind::pong;
  } else if (env.event == "request") {
    if (!env.data_is_object || !out.has_data_ts || out.symbol.empty())
      return ParseStatus::malformed;
    out.kind = MsgKind::request_reply;
  } else if (env.event == "subscribe") {
    out.kind = MsgKind::subscribe_ack;
  } else if (env.event == "unsubscribe") {
    out.kind = MsgKind::unsubscribe_ack;
  } else {
    out.kind = MsgKind::other;
  }
  return ParseStatus::ok;
}

}  // namespace wirebook::feeds::woo
