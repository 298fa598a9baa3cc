#pragma once
// OCX stream event parser (PROTOCOLS.md §5). One Server-Sent Event (its
// `event:` name and its `data:` JSON) -> one Message of views; no allocation
// after construction, no logging, no I/O; never throws.
//
// The data is the envelope `{eventId, eventType, eventSeq, engineTs,
// sourceTs, payload}`. The kind comes from the SSE event name (`snapshot`,
// `update` or `delta`, `error`); an unnamed event (SSE "message") falls back
// to the envelope's eventType. A book payload carries `bids` and `asks` of
// `{price, size, total}` (decimal strings; size "0" removes the level;
// `total` is the cumulative size and is not used). An error carries
// `{code, message, retryable}`, at the top level or inside `payload`.
// Field order is not relied upon.
//
// The private user stream (GET /perps/stream/user: "fills and positions
// across all markets, no book", PROTOCOLS §5) has the same envelope; neither
// PROTOCOLS nor ocx-api.txt shows its payloads, so parse_user() takes the
// field names the docs use elsewhere (our choice, see README "OCX"):
//   event `position` (or `positions`): payload {marketId, size (signed: long
//     > 0 > short), entryPrice, unrealizedPnl, liquidationPrice, margin,
//     leverage}; marketId and size required, the others optional;
//   event `fill` (or `fills`): payload {marketId, side (buy | sell, the order
//     enum), price, quantity (the order fields)}, all required;
//   either payload may also be an array of such objects (e.g. every open
//   position at connect).
//
// Threading: one Parser per venue thread. Views in a Message stay valid until
// the next parse() call and while the event buffer is untouched.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "feeds/common/level_text.hpp"

namespace wirebook::feeds::ocx {

enum class MsgKind : std::uint8_t {
  snapshot,  // the full book: resets it
  delta,     // `update` / `delta`: levels to set
  error,     // `event: error`
  other,     // an event we do not use (valid JSON)
};

enum class ParseStatus : std::uint8_t {
  ok,
  malformed,        // not JSON, wrong types, a book event without eventSeq or levels
  too_many_levels,  // more levels per side than the parser was sized for
};

struct Message {
  MsgKind kind = MsgKind::other;
  std::string_view event_type;  // the envelope's eventType
  std::string_view event_id;
  std::string_view market;  // payload.marketId when present
  std::int64_t event_seq = 0;
  bool has_event_seq = false;
  std::int64_t engine_ts_ms = 0;  // engineTs (epoch ms, number or digits); 0 when absent
  std::span<const LevelText> bids;
  std::span<const LevelText> asks;
  // error events
  std::string_view code;
  std::string_view message;
  bool retryable = false;
};

// ---- The user stream ----------------------------------------------------
enum class UserKind : std::uint8_t { position, fill, error, other };

struct PositionFields {
  std::string_view market;  // marketId
  std::string_view size;    // signed
  std::string_view entry_price;
  std::string_view pnl;  // unrealizedPnl
  std::string_view liquidation_price;
  std::string_view margin;
  std::string_view leverage;
};

struct FillFields {
  std::string_view market;  // marketId
  bool buy = false;         // side: buy | sell
  std::string_view price;
  std::string_view quantity;
};

struct UserMessage {
  UserKind kind = UserKind::other;
  std::string_view event_type;
  std::string_view event_id;
  std::int64_t event_seq = 0;
  bool has_event_seq = false;
  std::int64_t engine_ts_ms = 0;
  std::span<const PositionFields> positions;
  std::span<const FillFields> fills;
  std::string_view code;
  std::string_view message;
  bool retryable = false;
};

// ---- GET /perps/market-stats?marketId=M (ocx-api.txt "Market stats") -------
// A bare object of decimal strings: markPrice, change24hPct, volume24hUsd,
// openInterestUsd, funding1hPct ("Current 1h funding rate as a percent").
// No timestamp, no index, no next funding time. The fields we publish as the
// venue's text (empty: not in the reply); marketId is not documented in the
// reply but taken when present so a reply for another market is noticed.
struct MarketStats {
  std::string_view market;             // marketId (undocumented; empty when absent)
  std::string_view mark_price;         // markPrice
  std::string_view open_interest_usd;  // openInterestUsd: USD notional, not contracts
  std::string_view funding_1h_pct;     // funding1hPct: a percent (0.01 means 0.0001)
};

// The user kind an event name stands for (`message`: none, see the envelope).
[[nodiscard]] UserKind user_kind_of(std::string_view event_name) noexcept;

class Parser {
 public:
  // Positions or fills one user event may carry (more: too_many_levels).
  static constexpr std::size_t kMaxUserItems = 1024;

  // `max_levels` bounds levels per side in one event; `max_event` its size.
  Parser(std::size_t max_levels, std::size_t max_event);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Prefetches the parser and the first entries of its per-frame level
  // arrays (the feed's warm(): an idle venue thread's warming).
  void warm() const noexcept;

  // `data` must stay readable for `capacity` >= len + SIMDJSON_PADDING bytes.
  [[nodiscard]] ParseStatus parse(std::string_view sse_event, const char* data, std::size_t len,
                                  std::size_t capacity, Message& out) noexcept;
  // A GET /perps/orderbook/{marketId} reply {bids: [["price","size"]], asks}
  // (no sequence): kind snapshot with its levels; malformed without both sides.
  [[nodiscard]] ParseStatus parse_rest_book(const char* data, std::size_t len, std::size_t capacity,
                                            Message& out) noexcept;
  // A GET /perps/market-stats reply (same padding rule). malformed: not a
  // JSON object, a field we publish (or marketId) that is not a string, or
  // none of markPrice, openInterestUsd and funding1hPct present.
  [[nodiscard]] ParseStatus parse_market_stats(const char* data, std::size_t len,
                                               std::size_t capacity, MarketStats& out) noexcept;
  // One event of the user stream (same padding rule). malformed: not JSON,
  // wrong types, a position or fill without its required fields, an unknown
  // side, a position or fill event without any.
  [[nodiscard]] ParseStatus parse_user(std::string_view sse_event, const char* data,
                                       std::size_t len, std::size_t capacity,
                                       UserMessage& out) noexcept;

 private:
  struct Json;     // the simdjson parser, kept out of this header
  struct Scratch;  // per-event arrays the Message's spans point into
  std::unique_ptr<Json> json_;
  std::unique_ptr<Scratch> s_;
};

// The kind an event name stands for (`message`: none, see the envelope).
[[nodiscard]] MsgKind kind_of(std::string_view event_name) noexcept;

}  // namespace wirebook::feeds::ocx
