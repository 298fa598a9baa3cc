#pragma once
// OX.FUN v2 WebSocket parser (PROTOCOLS.md §4, oxfun-ws-position.txt).
// Frame bytes -> one Message of views; no allocation after construction, no
// logging, no I/O; never throws.
//
// Field order on the wire is not relied upon: one pass over the top-level
// object collects every field (and `data`, an object for books and
// bestBidAsk, an array for trade, position and ticker), and the kind is decided
// afterwards from `table` / `event` / `success` / `nonce`. Prices and sizes
// are JSON numbers on the book channels and strings on trade and position;
// either way their text is kept as written so it converts exactly, never
// through a double. The text frame `pong` (the answer to our text `ping`,
// §4.1) is not JSON and is recognised before parsing.
//
// Threading: one Parser per venue thread. Views in a Message stay valid until
// the next parse() call and while the frame buffer is untouched.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "feeds/common/level_text.hpp"

namespace wirebook::feeds::oxfun {

enum class MsgKind : std::uint8_t {
  greeting,         // the connect-time frame carrying `nonce` (shape undocumented, §4.1)
  pong,             // text "pong"
  depth_snapshot,   // table depthUpdate, action partial (§4.3)
  depth_diff,       // table depthUpdate-diff, action increment
  depth_full,       // table depth: a complete book every 100 ms, with seqNum
  depth_fixed,      // table depthL5 / depthL10 / depthL25 (string timestamp, no checksum)
  best_bid_ask,     // table bestBidAsk
  trades,           // table trade, data is an array
  positions,        // table position, data is an array (oxfun-ws-position.txt)
  tickers,          // table ticker, data is an array (one item per market, or many for ticker:all)
  subscribe_ack,    // event subscribe, success true (channel set)
  unsubscribe_ack,  // event unsubscribe, success true
  login_ack,        // event login, success true
  error,            // success false: event, tag, code and message (§4.1, §4.2)
  other,            // valid JSON of a table or event we do not use
};

enum class ParseStatus : std::uint8_t {
  ok,
  malformed,        // not JSON, wrong types, missing required fields
  too_many_levels,  // more levels per side (or data items) than the parser was sized for
};

using LevelText = feeds::LevelText;

// One trade of a `trade` push; numbers are the venue's decimal strings.
struct TradeText {
  std::string_view market;
  std::string_view price;
  std::string_view quantity;
  std::string_view side;  // "BUY" / "SELL" (the taker's side)
  std::string_view trade_id;
  std::int64_t ts_ms = 0;
};

// One instrument of a `position` push, every value as the venue's raw decimal
// text (all strings on the wire; quantity is signed). The shared-memory
// positions section converts them; this struct never interprets them.
struct PositionFields {
  std::string_view instrument;         // instrumentId
  std::string_view quantity;           // signed
  std::string_view entry_price;        // entryPrice
  std::string_view pnl;                // positionPnl
  std::string_view liquidation_price;  // estLiquidationPrice ("0" when negative)
  std::string_view margin;             // "currently always reports 0"
  std::string_view leverage;           // "currently always reports 0"
  std::string_view contract_currency;  // contractValCurrency
  std::int64_t last_updated_ms = 0;    // lastUpdated
};

// One market of a `ticker` push (docs.ox.fun "Ticker"): the reference fields
// as the venue's decimal strings (empty: the item does not carry it).
// lastMarkPrice (the previous mark) and the 24h statistics are not kept.
struct TickerText {
  std::string_view market;         // marketCode
  std::string_view mark_price;     // markPrice
  std::string_view index_price;    // indexPrice
  std::string_view open_interest;  // openInterest ("Open interest in Contracts")
  std::int64_t ts_ms = 0;          // timestamp (a string of ms on the wire)
};

struct Message {
  MsgKind kind = MsgKind::other;
  std::string_view table;
  std::string_view action;   // "partial" / "increment"
  std::string_view event;    // acks and errors: "subscribe", "login", ...
  std::string_view market;   // data.marketCode
  std::string_view channel;  // acks: "depthUpdate:BTC-USD-SWAP-LIN"
  std::string_view tag;      // echoed tag (string or number text)
  std::string_view code;     // error code text (string or number on the wire)
  std::string_view message;  // error message
  std::string_view nonce;
  std::string_view account_id;
  std::int64_t seq_num = 0;
  bool has_seq_num = false;
  // Undocumented algorithm (§4.3): kept, never checked.
  std::int64_t checksum = 0;
  bool has_checksum = false;
  std::int64_t ts_ms = 0;  // data.timestamp, else the envelope's (number or string)
  std::span<const LevelText> bids;
  std::span<const LevelText> asks;
  LevelText best_bid;  // bestBidAsk data.bid [price, size]
  LevelText best_ask;
  std::span<const TradeText> trades;
  std::span<const PositionFields> positions;
  std::span<const TickerText> tickers;
};

class Parser {
 public:
  // `max_levels` bounds levels per side (and trades or positions) in one
  // frame; `max_frame` the frame size.
  Parser(std::size_t max_levels, std::size_t max_frame);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Prefetches the parser and the first entries of its per-frame level
  // arrays (the feed's warm(): an idle venue thread's warming).
  void warm() const noexcept;

  // `data` must stay readable for `capacity` >= len + SIMDJSON_PADDING bytes.
  [[nodiscard]] ParseStatus parse(const char* data, std::size_t len, std::size_t capacity,
                                  Message& out) noexcept;

 private:
  struct Json;     // the simdjson parser, kept out of this header
  struct Scratch;  // per-frame arrays the Message's spans point into
  [[nodiscard]] ParseStatus classify(Message& out) noexcept;
  [[nodiscard]] ParseStatus classify_table(Message& out) noexcept;
  [[nodiscard]] ParseStatus classify_tickers(Message& out) noexcept;

  std::unique_ptr<Json> json_;
  std::unique_ptr<Scratch> s_;
};

// The integer value of an error code's text ("20000" -> 20000), 0 when it is
// not plain digits.
[[nodiscard]] std::int64_t code_value(std::string_view code) noexcept;

}  // namespace wirebook::feeds::oxfun
