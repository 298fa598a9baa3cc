#pragma once
// Pulse (Deribit-style JSON-RPC 2.0) parser (PROTOCOLS.md §2, pulse-api.txt).
// Frame bytes -> one Message of views; no allocation after construction, no
// logging, no I/O; never throws. Field order is not relied upon: one pass
// collects every field, the kind is decided afterwards. The usual book
// notification is first tried by a one-pass scan (fast_book.hpp); any other
// frame goes the general way.
//
// Threading: one Parser per venue thread; views live until the next parse().
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "feeds/common/level_text.hpp"

namespace wirebook::feeds::pulse {

enum class MsgKind : std::uint8_t {
  book,          // subscription notification on book.<instr>.<interval>
  quote,         // subscription notification on quote.<instr>
  funding_rate,  // funding_rates.<instr>: `rate` (models.FundingRateNotification)
  price_index,   // deribit_price_index.<index_name>: `price` (models.PriceNotification)
  test_request,  // method heartbeat, params.type test_request: answer with public/test
  heartbeat,     // method heartbeat, other types
  result,        // a response with `result`, or Pulse's connection.Message with a 2xx status
  // Any JSON-RPC error object (JSON-RPC codes such as -32601, Deribit's 1xxxx
  // and the Pulse document's CommonCodes 1..13 alike), or Pulse's
  // connection.Message {description,response,status} whose status is not 2xx.
  error,
  other,  // a notification on a channel we do not use, or an unknown method
};

enum class BookType : std::uint8_t { none, snapshot, change };

enum class ParseStatus : std::uint8_t { ok, malformed, too_many_levels };

// Levels are [action, price, amount] (Deribit, PROTOCOLS §2.4) or
// [price, amount] (Deribit's grouped channels; the Pulse document does not
// show the entries): both are read, amounts are absolute either way.
using LevelText = feeds::LevelText;  // qty "0" for delete entries

struct Message {
  MsgKind kind = MsgKind::other;
  std::int64_t id = -1;         // response id (-1: none)
  std::string_view channel;     // params.channel
  std::string_view instrument;  // from the channel (book.X.raw -> X) or data.instrument_name
  BookType type = BookType::none;
  std::int64_t change_id = 0;
  std::int64_t prev_change_id = 0;
  bool has_change_id = false;
  bool has_prev_change_id = false;  // absent or null both leave this false
  std::int64_t timestamp_ms = 0;
  std::span<const LevelText> bids;
  std::span<const LevelText> asks;
  // quote
  std::string_view best_bid_price, best_bid_amount, best_ask_price, best_ask_amount;
  // funding_rate: the rate text; price_index: the index (from the channel,
  // e.g. "btc_usd") and the price text
  std::string_view rate;
  std::string_view index_name;
  std::string_view index_price;
  // responses
  std::span<const std::string_view> result_channels;  // result as an array of strings
  // `result` was not a list: a string (pulse-api.txt documents public/subscribe
  // as returning "string"), or a connection.Message ack with a 2xx status.
  bool result_not_list = false;
  std::int64_t error_code = 0;
  std::string_view error_message;
  // public/auth result object
  bool has_access_token = false;
  std::string_view refresh_token;
  // expires_in as sent: seconds from now (Deribit) or, as the Pulse
  // document's example suggests, an epoch; the feed decides (token_lifetime_ns).
  std::int64_t expires_in = 0;
};

class Parser {
 public:
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

  // The book notification's fast path (fast_book.hpp) is on by default; the
  // pipeline bench and the differential test turn it off to compare.
  void set_fast_path(bool on) noexcept { fast_path_ = on; }

  static constexpr std::size_t kMaxResultChannels = 256;

 private:
  struct Json;
  std::unique_ptr<Json> json_;
  std::unique_ptr<LevelText[]> bids_;
  std::unique_ptr<LevelText[]> asks_;
  std::unique_ptr<std::string_view[]> channels_;
  std::size_t max_levels_;
  std::size_t max_frame_ = 0;  // the general path refuses longer frames; so does the scan
  bool fast_path_ = true;
};

// The instrument of a book/quote/funding_rates channel: "book.BTC-PERPETUAL.raw"
// -> "BTC-PERPETUAL", "funding_rates.BTC_USD-PERPETUAL" -> "BTC_USD-PERPETUAL".
[[nodiscard]] std::string_view channel_instrument(std::string_view channel) noexcept;

}  // namespace wirebook::feeds::pulse
