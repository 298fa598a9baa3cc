#include "feeds/ocx/parser.hpp"

#include <simdjson.h>

#include "feeds/common/json_text.hpp"

namespace wirebook::feeds::ocx {
namespace od = simdjson::ondemand;

struct Parser::Json {
  explicit Json(std::size_t max_event) : parser(max_event) {}
  od::parser parser;
};

struct Parser::Scratch {
  explicit Scratch(std::size_t max)
      : max(max),
        bids(std::make_unique<LevelText[]>(max)),
        asks(std::make_unique<LevelText[]>(max)) {}
  void reset() noexcept {
    n_bids = n_asks = 0;
    has_bids = has_asks = false;
  }
  std::size_t max;
  std::unique_ptr<LevelText[]> bids;
  std::unique_ptr<LevelText[]> asks;
  std::size_t n_bids = 0, n_asks = 0;
  bool has_bids = false, has_asks = false;
};

MsgKind kind_of(std::string_view event_name) noexcept {
  if (event_name == "snapshot") return MsgKind::snapshot;
  if (event_name == "update" || event_name == "delta") return MsgKind::delta;
  if (event_name == "error") return MsgKind::error;
  return MsgKind::other;
}

namespace {

// One `{price, size, total}` level; `total` and unknown fields are skipped.
bool read_level(od::value v, LevelText& out) noexcept {
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) return false;
  out = LevelText{};
  for (auto f : obj) {
    std::string_view k;
    od::value fv;
    if (!json::key(f, k) || f.value().get(fv) != simdjson::SUCCESS) return false;
    if (k == "price" && !json::number_text(fv, out.px)) return false;
    if (k == "size" && !json::number_text(fv, out.qty)) return false;
  }
  return !out.px.empty() && !out.qty.empty();
}

ParseStatus read_levels(od::value v, LevelText* out, std::size_t max, std::size_t& n) noexcept {
  od::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return ParseStatus::malformed;
  n = 0;
  for (auto e : arr) {
    od::value ev;
    if (e.get(ev) != simdjson::SUCCESS) return ParseStatus::malformed;
    if (n >= max) return ParseStatus::too_many_levels;
    if (!read_level(ev, out[n])) return ParseStatus::malformed;
    ++n;
  }
  return ParseStatus::ok;
}

bool read_bool(od::value v, bool& out) noexcept {
  if (v.get_bool().get(out) == simdjson::SUCCESS) return true;
  std::string_view s;  // tolerate "true"/"false" strings
  if (!json::string(v, s)) return false;
  out = s == "true";
  return s == "true" || s == "false";
}

// Error fields, at the top level or in the payload. True when `k` was one.
bool error_field(std::string_view k, od::value v, Message& out, bool& ok) noexcept {
  if (k == "code") {
    ok = json::number_text(v, out.code);
  } else if (k == "message") {
    ok = json::string(v, out.message);
  } else if (k == "retryable") {
    ok = read_bool(v, out.retryable);
  } else {
    return false;
  }
  return true;
}

}  // namespace

Parser::Parser(std::size_t max_levels, std::size_t max_event)
    : json_(std::make_unique<Json>(max_event)),
      s_(std::make_unique<Scratch>(max_levels == 0 ? 1 : max_levels)) {
  json::preallocate(json_->parser, max_event);
}

Parser::~Parser() = default;

namespace {

ParseStatus read_payload(od::object p, Message& out, LevelText* bids, LevelText* asks,
                         std::size_t max, std::size_t& nb, std::size_t& na, bool& has_bids,
                         bool& has_asks) noexcept {
  for (auto f : p) {
    std::string_view k;
    od::value v;
    if (!json::key(f, k) || f.value().get(v) != simdjson::SUCCESS) return ParseStatus::malformed;
    ParseStatus st = ParseStatus::ok;
    bool ok = true;
    if (k == "bids") {
      st = read_levels(v, bids, max, nb);
      has_bids = true;
    } else if (k == "asks") {
      st = read_levels(v, asks, max, na);
      has_asks = true;
    } else if (k == "marketId") {
      ok = json::string(v, out.market);
    } else {
      (void)error_field(k, v, out, ok);
    }
    if (!ok) return ParseStatus::malformed;
    if (st != ParseStatus::ok) return st;
  }
  return ParseStatus::ok;
}

}  // namespace

ParseStatus Parser::parse(std::string_view sse_event, const char* data, std::size_t len,
                          std::size_t capacity, Message& out) noexcept {
  out = Message{};
  Scratch& s = *s_;
  s.reset();
  od::document doc;
  od::object obj;
  if (!json::top_object(json_->parser, data, len, capacity, doc, obj)) {
    return ParseStatus::malformed;
  }
  for (auto field : obj) {
    std::string_view key;
    od::value v;
    if (!json::key(field, key) || field.value().get(v) != simdjson::SUCCESS) {
      return ParseStatus::malformed;
    }
    bool ok = true;
    if (key == "eventType") {
      ok = json::string(v, out.event_type);
    } else if (key == "eventId") {
      ok = json::number_text(v, out.event_id);
    } else if (key == "eventSeq") {
      ok = json::int_value(v, out.event_seq);
      out.has_event_seq = ok;
    } else if (key == "engineTs") {
      ok = json::int_value(v, out.engine_ts_ms);
    } else if (key == "payload") {
      od::object p;
      if (v.get_object().get(p) != simdjson::SUCCESS) return ParseStatus::malformed;
      const ParseStatus st = read_payload(p, out, s.bids.get(), s.asks.get(), s.max, s.n_bids,
                                          s.n_asks, s.has_bids, s.has_asks);
      if (st != ParseStatus::ok) return st;
    } else {
      (void)error_field(key, v, out, ok);  // sourceTs and anything new are skipped
    }
    if (!ok) return ParseStatus::malformed;
  }
  out.kind = kind_of(sse_event);
  if (out.kind == MsgKind::other && sse_event == "message") out.kind = kind_of(out.event_type);
  out.bids = {s.bids.get(), s.n_bids};
  out.asks = {s.asks.get(), s.n_asks};
  const bool book = out.kind == MsgKind::snapshot || out.kind == MsgKind::delta;
  if (book && (!out.has_event_seq || (!s.has_bids && !s.has_asks))) return ParseStatus::malformed;
  return ParseStatus::ok;
}

}  // namespace wirebook::feeds::ocx
