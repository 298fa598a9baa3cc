#pragma once
// O2 DEX frame parser for the working schema and its variants (schema.hpp,
// DESIGN.md §5). Frame bytes -> one Message of views into the frame; no
// allocation after construction, no logging, no I/O; never throws. Field
// order is not relied upon: one pass collects every field (top level and
// inside `data`), the kind is decided afterwards from `channel` / `type` /
// `success`. The usual book frame is first tried by a one-pass scan
// (fast_book.hpp); any other frame goes the general way. Prices and sizes stay the text they were
// written in (numbers or strings) so VenueBooks converts them exactly.
//
// The same parser reads the REST order-book reply
// (GET /api/v1/markets/{id}/orderbook, the {success, data, error} envelope).
//
// Threading: one Parser per venue thread; views live until the next parse()
// and while the frame buffer is untouched.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "feeds/common/level_text.hpp"

namespace wirebook::feeds::o2 {

enum class MsgKind : std::uint8_t {
  book,        // channel order_book (snapshot or delta, see BookType)
  trades,      // channel trades: one or more trades
  ticker,      // channel ticker (best bid/ask when present)
  mark_price,  // channel mark_price
  funding,     // channel funding
  error,       // "type":"error" or "success":false
  ack,         // a control reply: subscribed, unsubscribed, pong, success:true without channel
  other,       // a channel we do not use (candles, external_order_book, ...)
};

// none: the frame carries no discriminator (the feed decides, schema.hpp).
enum class BookType : std::uint8_t { none, snapshot, delta };

enum class ParseStatus : std::uint8_t {
  ok,
  malformed,        // not JSON, wrong types, missing required fields
  too_many_levels,  // more levels (or trades) than the parser was sized for
};

using LevelText = feeds::LevelText;

struct TradeText {
  std::string_view px;
  std::string_view qty;
  std::string_view side;  // as sent ("buy"/"sell"; case-insensitive), may be empty
  std::int64_t ts_ms = 0;
};

struct Message {
  MsgKind kind = MsgKind::other;
  std::string_view channel;
  std::int64_t market_id = -1;
  bool has_market_id = false;
  BookType type = BookType::none;
  std::int64_t seq = 0;
  std::int64_t prev_seq = 0;
  bool has_seq = false;
  bool has_prev_seq = false;
  std::int64_t ts_ms = 0;
  std::span<const LevelText> bids;
  std::span<const LevelText> asks;
  std::span<const TradeText> trades;
  // ticker
  std::string_view bid_px, bid_qty, ask_px, ask_qty;
  // mark_price / funding
  std::string_view value;
  // error
  std::string_view error_message;
};

class Parser {
 public:
  // `max_levels` bounds levels per side (and trades) in one frame.
  Parser(std::size_t max_levels, std::size_t max_frame);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Prefetches the parser and the first entries of its per-frame level
  // arrays (the feed's warm(): an idle venue thread's warming).
  void warm() const noexcept;

  // One WebSocket frame. `data` must stay readable for `capacity` >=
  // len + SIMDJSON_PADDING bytes.
  [[nodiscard]] ParseStatus parse(const char* data, std::size_t len, std::size_t capacity,
                                  Message& out) noexcept;

  // A REST order-book reply body. On success: kind book, type snapshot, the
  // levels, seq/ts/market_id when present. On {"success":false}: kind error
  // with error_message. Same buffer rule as parse().
  [[nodiscard]] ParseStatus parse_rest_book(const char* data, std::size_t len, std::size_t capacity,
                                            Message& out) noexcept;

  // The book frame's fast path in parse() (fast_book.hpp) is on by default;
  // the pipeline bench and the differential test turn it off to compare.
  void set_fast_path(bool on) noexcept { fast_path_ = on; }

 private:
  struct Json;  // the simdjson parser, kept out of this header
  struct Fields;
  std::unique_ptr<Json> json_;
  std::unique_ptr<LevelText[]> bids_;
  std::unique_ptr<LevelText[]> asks_;
  std::unique_ptr<TradeText[]> trades_;
  std::size_t max_levels_;
  std::size_t max_frame_ = 0;  // the general path refuses longer frames; so does the scan
  bool fast_path_ = true;
};

// "buy" -> true, "sell" -> false (any case; also "b"/"s", "bid"/"ask").
// False in `known` for anything else.
[[nodiscard]] bool trade_side_is_buy(std::string_view side, bool& known) noexcept;

}  // namespace wirebook::feeds::o2
