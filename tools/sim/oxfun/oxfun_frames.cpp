#include "tools/sim/oxfun/oxfun_frames.hpp"

#include <vector>

#include "tools/sim/text.hpp"

namespace wirebook::sim::oxfun_frames {
namespace {

// Book numbers are JSON floats on the wire ("19024.0", §4.3).
void append_px(std::string& out, const SymbolSpec& s, std::int64_t px) {
  append_decimal(out, px, s.px_exp, NumberStyle::float_like);
}
void append_qty(std::string& out, const SymbolSpec& s, std::int64_t qty) {
  append_decimal(out, qty, s.qty_exp, NumberStyle::float_like);
}

void append_side(std::string& out, const SymbolSpec& s, const book::L2Book& b, book::Side side) {
  std::vector<book::Level> lv(b.level_count(side));
  lv.resize(b.copy_top(side, lv.data(), lv.size()));
  out += '[';
  for (std::size_t i = 0; i < lv.size(); ++i) {
    if (i != 0) out += ',';
    append_pair(out, s, lv[i].px, lv[i].qty);
  }
  out += ']';
}

void append_ts(std::string& out, std::int64_t ts_ms) {
  out += '"';
  append_int(out, ts_ms);
  out += '"';
}

}  // namespace

std::uint32_t checksum_of(std::int64_t seq) noexcept {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(seq) * 2654435761ULL >> 7U);
}

void append_pair(std::string& out, const SymbolSpec& s, std::int64_t px, std::int64_t qty) {
  out += '[';
  append_px(out, s, px);
  out += ',';
  append_qty(out, s, qty);
  out += ']';
}

std::string book(std::string_view table, std::string_view action, const SymbolSpec& s,
                 const book::L2Book& b, std::int64_t seq, std::int64_t ts_ms, bool numeric_ts) {
  std::string f = R"({"table":")";
  f.append(table).append(R"(","data":{"seqNum":)");
  append_int(f, seq);
  f += R"(,"asks":)";
  append_side(f, s, b, book::Side::ask);
  f += R"(,"bids":)";
  append_side(f, s, b, book::Side::bid);
  f += R"(,"checksum":)";
  append_uint(f, checksum_of(seq));
  f.append(R"(,"marketCode":")").append(s.name).append(R"(","timestamp":)");
  if (numeric_ts) {
    append_int(f, ts_ms);
  } else {
    append_ts(f, ts_ms);
  }
  f.append(R"(},"action":")").append(action).append(R"("})");
  return f;
}

std::string diff_head(std::int64_t seq) {
  std::string f = R"({"table":"depthUpdate-diff","data":{"seqNum":)";
  append_int(f, seq);
  f += R"(,"asks":)";
  return f;
}

std::string diff_tail(const SymbolSpec& s, std::int64_t seq, std::int64_t ts_ms) {
  std::string f = R"(,"checksum":)";
  append_uint(f, checksum_of(seq));
  f.append(R"(,"marketCode":")").append(s.name).append(R"(","timestamp":)");
  append_ts(f, ts_ms);
  f += R"(},"action":"increment"})";
  return f;
}

std::string best_bid_ask(const SymbolSpec& s, const book::Level& bid, const book::Level& ask,
                         std::int64_t ts_ms) {
  std::string f = R"({"table":"bestBidAsk","data":{"ask":)";
  append_pair(f, s, ask.px, ask.qty);
  f += R"(,"checksum":)";
  append_uint(f, checksum_of(ts_ms));
  f.append(R"(,"marketCode":")").append(s.name).append(R"(","bid":)");
  append_pair(f, s, bid.px, bid.qty);
  f += R"(,"timestamp":)";
  append_ts(f, ts_ms);
  f += "}}";
  return f;
}

std::string trade(const SymbolSpec& s, std::int64_t px, std::int64_t qty, bool buy,
                  std::uint64_t trade_id, std::int64_t ts_ms) {
  std::string f = R"({"table":"trade","data":[{"side":")";
  f.append(buy ? "BUY" : "SELL").append(R"(","quantity":")");
  append_decimal(f, qty, s.qty_exp);
  f += R"(","matchType":"TAKER","price":")";
  append_decimal(f, px, s.px_exp);
  f.append(R"(","marketCode":")").append(s.name).append(R"(","tradeId":")");
  append_uint(f, trade_id);
  f += R"(","timestamp":)";
  append_ts(f, ts_ms);
  f += "}]}";
  return f;
}

std::string ticker(const SymbolSpec& s, std::string_view mark_price,
                   std::string_view last_mark_price, std::string_view index_price,
                   std::string_view open_interest, std::int64_t ts_ms) {
  // Field order as in the documented example.
  std::string f = R"({"table":"ticker","data":[{"last":")";
  append_decimal(f, s.start_px, s.px_exp);
  f += R"(","open24h":")";
  append_decimal(f, s.start_px, s.px_exp);
  f += R"(","high24h":")";
  append_decimal(f, s.start_px + 10 * s.tick, s.px_exp);
  f += R"(","low24h":")";
  append_decimal(f, s.start_px - 10 * s.tick, s.px_exp);
  f += R"(","volume24h":"0","currencyVolume24h":"0","openInterest":")";
  f.append(open_interest).append(R"(","marketCode":")").append(s.name);
  f += R"(","timestamp":)";
  append_ts(f, ts_ms);
  f += R"(,"lastQty":"0","markPrice":")";
  f.append(mark_price).append(R"(","lastMarkPrice":")").append(last_mark_price);
  f.append(R"(","indexPrice":")").append(index_price).append(R"("}]})");
  return f;
}

std::string ack(std::string_view event, std::string_view tag, std::string_view channel,
                std::int64_t ts_ms) {
  std::string f = R"({"success":true,"tag":)";
  append_json_string(f, tag);
  f.append(R"(,"event":")").append(event).append(R"(","channel":)");
  append_json_string(f, channel);
  f += R"(,"timestamp":)";
  append_ts(f, ts_ms);
  f += '}';
  return f;
}

std::string refusal(std::string_view event, std::string_view tag, std::string_view code,
                    std::string_view message, std::int64_t ts_ms) {
  std::string f = R"({"event":)";
  append_json_string(f, event);
  f += R"(,"success":false,"tag":)";
  append_json_string(f, tag);
  f += R"(,"message":)";
  append_json_string(f, message);
  f += R"(,"code":)";
  append_json_string(f, code);
  f += R"(,"timestamp":)";
  append_ts(f, ts_ms);
  f += '}';
  return f;
}

std::string login_ok(std::string_view tag, std::int64_t ts_ms) {
  std::string f = R"({"event":"login","success":true,"tag":)";
  append_json_string(f, tag);
  f += R"(,"timestamp":)";
  append_ts(f, ts_ms);
  f += '}';
  return f;
}

}  // namespace wirebook::sim::oxfun_frames
