#pragma once
// WOO X public stream parser, v2 (PROTOCOLS.md §1.3-1.6, woox-api.txt
// "Websocket API V2") and v3 (§1.4, §1.9: `cmd` frames, topics
// `kind@SYMBOL[@depth]`, `data.s`, string levels), plus the v3 REST order book
// (parse_rest_book, facts in feeds/woo/README.md). Frame bytes -> one Message
// of views; no allocation after construction, no logging, no I/O; never throws.
//
// Field order on the wire is not relied upon: one pass over the top-level
// object collects every field, and the kind is decided afterwards from
// `topic` / `event` / `success`. The one exception is a shortcut, not a rule:
// the usual v2 and v3 book delta is recognised first by a strict single-pass
// scan (fast_update.hpp); any other frame goes the general way. Prices and
// sizes are kept as the text they were written in (JSON numbers in v2,
// strings in v3) so they convert exactly.
//
// Threading: one Parser per venue thread. Views in a Message stay valid until
// the next parse() call and while the frame buffer is untouched.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "feeds/common/level_text.hpp"

namespace wirebook::feeds::woo {

// The stream's version decides the topic grammar and the chain key.
enum class Protocol : std::uint8_t { v2, v3 };

enum class MsgKind : std::uint8_t {
  book_update,      // v2 {sym}@orderbookupdate, v3 orderbookupdate@{sym}@{depth} delta
  book_snapshot,    // {sym}@orderbook push (whole book)
  request_reply,    // v2 reply to event "request"; v3 REST book: data.ts aligns
  trade,            // {sym}@trade
  bbo,              // {sym}@bbo
  ping,             // server {"event":"ping"} (v3 {"cmd":"PING"})
  pong,             // reply to our ping
  subscribe_ack,    // success:true (v3: `acked` lists the topics taken)
  unsubscribe_ack,  // success:true
  error,            // success:false with errorMsg (routed on success, not on event)
  // Reference data (refdata_spec §1, §2): v2 {sym}@markprice / v3 markprice@{sym},
  // v2 {sym}@indexprice / v3 indexprice@{SPOT sym}, estfundingrate, openinterest.
  mark_price,     // `price` (v2 number, v3 `px` string)
  index_price,    // `price` (v2 number, v3 `px` string)
  funding_rate,   // `funding_rate` (v2 fundingRate number, v3 `r` string), v3 `ft`
  open_interest,  // `open_interest` (v2 openInterest number, v3 `oi` string)
  other,          // valid frame of a topic or event we do not use
};

enum class ParseStatus : std::uint8_t {
  ok,
  malformed,        // not JSON, wrong types, missing required fields
  too_many_levels,  // more levels per side than the parser was sized for
};

using LevelText = feeds::LevelText;

struct Message {
  MsgKind kind = MsgKind::other;
  std::string_view symbol;  // from topic (before '@') or data.symbol
  std::string_view id;      // client id echoed by acks, errors and replies
  std::string_view error_msg;
  std::int64_t ts_ms = 0;       // envelope ts
  std::int64_t prev_ts_ms = 0;  // data.prevTs
  std::int64_t data_ts_ms = 0;  // data.ts (request reply alignment key)
  bool has_prev_ts = false;
  bool has_data_ts = false;
  std::span<const LevelText> bids;
  std::span<const LevelText> asks;
  // trade; mark and index price (v2 data.price, v3 data.px)
  std::string_view price;
  bool price_quoted = false;  // `price` came as a JSON string (v3 convention)
  bool price_px = false;      // `price` came from v3 data.px (always a string)
  // reference data: the venue's text as written (empty: not in the frame)
  std::string_view funding_rate;
  std::string_view open_interest;
  std::int64_t next_funding_ms = 0;  // v3 data.ft
  bool has_next_funding = false;
  std::string_view size;
  std::string_view side;  // "BUY" / "SELL"
  // bbo
  std::string_view bid;
  std::string_view bid_size;
  std::string_view ask;
  std::string_view ask_size;
  // v3 SUBSCRIBE ack: the topics the venue took (a refused one is missing).
  std::span<const std::string_view> acked;
};

// Most topics one v3 ack can list (the venue takes 10-20 per request, §1.9).
inline constexpr std::size_t kMaxAckedTopics = 32;

class Parser {
 public:
  // `max_levels` bounds levels per side in one frame; `max_frame` the frame size.
  Parser(std::size_t max_levels, std::size_t max_frame, Protocol protocol = Protocol::v2);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Prefetches the parser and the first entries of its per-frame level
  // arrays (the feed's warm(): an idle venue thread's warming).
  void warm() const noexcept;

  // `data` must stay readable for `capacity` >= len + SIMDJSON_PADDING bytes.
  [[nodiscard]] ParseStatus parse(const char* data, std::size_t len, std::size_t capacity,
                                  Message& out) noexcept;

  // The delta's fast path (fast_update.hpp) is on by default; the pipeline
  // bench and the differential test turn it off to compare with the general path.
  void set_fast_path(bool on) noexcept { fast_path_ = on; }

  // The v3 REST book (GET /v3/public/orderbook): kind request_reply with the
  // snapshot's `timestamp` as data_ts_ms, or error (success:false). Levels
  // may be `[price, qty]` pairs or `{"price","quantity"}` objects.
  [[nodiscard]] ParseStatus parse_rest_book(const char* data, std::size_t len, std::size_t capacity,
                                            Message& out) noexcept;

 private:
  struct Fields;
  ParseStatus read_frame(const char* data, std::size_t len, std::size_t capacity, Fields& f,
                         Message& out) noexcept;
  ParseStatus classify_v2(const Fields& f, Message& out) const noexcept;
  ParseStatus classify_v3(const Fields& f, Message& out) const noexcept;
  ParseStatus classify_reference(const Fields& f, std::string_view what,
                                 Message& out) const noexcept;

  struct Json;  // the simdjson parser, kept out of this header
  std::unique_ptr<Json> json_;
  std::unique_ptr<LevelText[]> bids_;
  std::unique_ptr<LevelText[]> asks_;
  std::unique_ptr<std::string_view[]> acked_;
  std::size_t max_levels_;
  std::size_t max_frame_ = 0;  // the general path refuses longer frames; so does the scan
  Protocol protocol_;
  bool fast_path_ = true;
};

}  // namespace wirebook::feeds::woo
