#pragma once
// The OX.FUN frames the simulator sends (PROTOCOLS.md §4.1-4.4), as text.
// Shapes follow the documented examples: numbers on the book channels,
// strings on trade and position, a string `timestamp` everywhere except the
// `depth` push (an integer there, §4.3).
#include <cstdint>
#include <string>
#include <string_view>

#include "book/l2_book.hpp"
#include "tools/sim/symbols.hpp"

namespace wirebook::sim::oxfun_frames {

// `{"table":<table>,"data":{"seqNum":..,"asks":..,"bids":..,"checksum":..,
// "marketCode":..,"timestamp":..},"action":<action>}` with the whole book.
[[nodiscard]] std::string book(std::string_view table, std::string_view action, const SymbolSpec& s,
                               const book::L2Book& b, std::int64_t seq, std::int64_t ts_ms,
                               bool numeric_ts);

// The opening of a depthUpdate-diff up to `"asks":`; the caller appends the
// levels and closes it with diff_tail.
[[nodiscard]] std::string diff_head(std::int64_t seq);
[[nodiscard]] std::string diff_tail(const SymbolSpec& s, std::int64_t seq, std::int64_t ts_ms);

// A `[price,size]` pair at the symbol's exponents.
void append_pair(std::string& out, const SymbolSpec& s, std::int64_t px, std::int64_t qty);

[[nodiscard]] std::string best_bid_ask(const SymbolSpec& s, const book::Level& bid,
                                       const book::Level& ask, std::int64_t ts_ms);
[[nodiscard]] std::string trade(const SymbolSpec& s, std::int64_t px, std::int64_t qty, bool buy,
                                std::uint64_t trade_id, std::int64_t ts_ms);

// A `ticker` push of one market (docs.ox.fun "Ticker"): every field a
// string, the 24h statistics fixed, lastMarkPrice the previous mark.
[[nodiscard]] std::string ticker(const SymbolSpec& s, std::string_view mark_price,
                                 std::string_view last_mark_price, std::string_view index_price,
                                 std::string_view open_interest, std::int64_t ts_ms);

// Acks and refusals (§4.1): `tag` is echoed as a string.
[[nodiscard]] std::string ack(std::string_view event, std::string_view tag,
                              std::string_view channel, std::int64_t ts_ms);
[[nodiscard]] std::string refusal(std::string_view event, std::string_view tag,
                                  std::string_view code, std::string_view message,
                                  std::int64_t ts_ms);
[[nodiscard]] std::string login_ok(std::string_view tag, std::int64_t ts_ms);

// An undocumented checksum-like number (the feed keeps it, never checks it).
[[nodiscard]] std::uint32_t checksum_of(std::int64_t seq) noexcept;

}  // namespace wirebook::sim::oxfun_frames
