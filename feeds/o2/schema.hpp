#pragma once
// The O2 DEX wire schema, in ONE place (DESIGN.md §5 "O2 working schema",
// PROTOCOLS.md §3.1). The venue documents only the endpoints, the subscribe
// frame and that frames carry `channel` and `data`; everything else below is
// the team's WORKING schema until live frames are captured. A capture that
// disagrees corrects this file (and the variants the parser accepts), nothing
// else: the parser, the feed, the simulator and the fixtures all name fields
// through these constants.
//
// Documented (o2dex-api.txt):
//   REST base https://api.oxygentwo.com, envelope {"success":bool,"data":…,"error":…}
//   GET /api/v1/markets, GET /api/v1/markets/{market_id}/orderbook
//   WS  wss://api.oxygentwo.com/api/v1/ws
//   {"type":"subscribe","channel":"order_book","market_id":1}   (market_id is an integer)
//   frames are read as msg.channel and msg.data
//   public channels: order_book, external_order_book, trades, ticker, candles, mark_price, funding
//
// Working schema (DESIGN §5), book frames:
//   {"channel":"order_book","market_id":1,"type":"snapshot"|"delta","seq":N,"prev_seq":M,
//    "ts":ms,"data":{"bids":[[p,q]...],"asks":[[p,q]...]}}
// Accepted variants (any mix):
//   * `type` at top level or inside `data`; absent: the first book frame after
//     a (re)subscribe that carries no prev_seq is the snapshot (PROTOCOLS §3.1
//     recommendation), every later one a delta;
//   * `market_id` at top level or inside `data`, number or digit string;
//   * sequence `seq` or `sequence`, previous `prev_seq` or `prev_sequence`, at
//     top level or inside `data`; all optional;
//   * `ts` or `timestamp` (ms) at top level or inside `data`;
//   * levels as [price, size] arrays or {"price":p,"size"|"quantity"|"qty":q}
//     objects; numbers or strings; size 0 deletes the level (absolute sizes).
// Chain rule (feeds/o2/o2_feed.hpp): prev_seq present -> must equal the last
// seq; seq only -> seq must be last + 1 (kSeqOnlyIsContiguous); neither -> no
// gap detection (best effort, REST cross-check).
//
// Other channels (working schema, same envelope, `data` an object or an array
// of objects): trades {price, size|quantity, side "buy"|"sell", ts};
// ticker {best_bid|bid, best_bid_size|bid_size, best_ask|ask,
// best_ask_size|ask_size}; mark_price {mark_price|price}; funding
// {funding_rate|rate}.
//
// Control replies (undocumented): anything with "type":"error" or
// "success":false is an error (message in `message`, `error` or `msg`);
// "type":"subscribed"/"unsubscribed"/"pong" and other frames without a known
// channel are acknowledgements.
#include <cstdint>
#include <string_view>

namespace wirebook::feeds::o2::schema {

// ---- WebSocket -------------------------------------------------------------
inline constexpr std::string_view kWsPath = "/api/v1/ws";

inline constexpr std::string_view kChannel = "channel";
inline constexpr std::string_view kData = "data";
inline constexpr std::string_view kType = "type";
inline constexpr std::string_view kMarketId = "market_id";

inline constexpr std::string_view kOrderBook = "order_book";
inline constexpr std::string_view kTrades = "trades";
inline constexpr std::string_view kTicker = "ticker";
inline constexpr std::string_view kMarkPrice = "mark_price";
inline constexpr std::string_view kFunding = "funding";

// Book frame discriminator values.
inline constexpr std::string_view kSnapshot = "snapshot";
inline constexpr std::string_view kDelta = "delta";
inline constexpr std::string_view kUpdate = "update";  // accepted alias of delta

// Sequence fields and their accepted spellings.
inline constexpr std::string_view kSeq = "seq";
inline constexpr std::string_view kSeqAlt = "sequence";
inline constexpr std::string_view kPrevSeq = "prev_seq";
inline constexpr std::string_view kPrevSeqAlt = "prev_sequence";
inline constexpr std::string_view kTs = "ts";
inline constexpr std::string_view kTsAlt = "timestamp";

inline constexpr std::string_view kBids = "bids";
inline constexpr std::string_view kAsks = "asks";
inline constexpr std::string_view kPrice = "price";
inline constexpr std::string_view kSize = "size";
inline constexpr std::string_view kQuantity = "quantity";
inline constexpr std::string_view kQty = "qty";
inline constexpr std::string_view kSide = "side";

// A bare `seq` (no prev_seq) is taken as contiguous per market (+1). The venue
// promises nothing (DESIGN §5: never assume +1 unless promised), so this is a
// working assumption to confirm on a capture; set false and a bare seq only
// drops stale frames (gap detection then rests on the REST cross-check).
inline constexpr bool kSeqOnlyIsContiguous = true;

// Control frames we send. %lld is the integer market id.
inline constexpr const char* kSubscribeFmt =
    R"({"type":"subscribe","channel":"%s","market_id":%lld})";
// Undocumented (PROTOCOLS §3.1 "unsubscribe shape"): mirrors subscribe.
inline constexpr const char* kUnsubscribeFmt =
    R"({"type":"unsubscribe","channel":"%s","market_id":%lld})";

// Control replies.
inline constexpr std::string_view kError = "error";
inline constexpr std::string_view kSuccess = "success";

// ---- REST ------------------------------------------------------------------
inline constexpr std::string_view kMarketsPath = "/api/v1/markets";
// GET /api/v1/markets/{market_id}/orderbook
inline constexpr const char* kOrderBookPathFmt = "/api/v1/markets/%lld/orderbook";

// GET /api/v1/markets: data is an array of markets (or {"markets":[…]}).
// Per market (working schema): id|market_id, symbol|name, and decimals as
// price_decimals|quote_decimals / size_decimals|base_decimals|quantity_decimals.
inline constexpr std::string_view kId = "id";
inline constexpr std::string_view kSymbol = "symbol";
inline constexpr std::string_view kName = "name";
inline constexpr std::string_view kMarkets = "markets";

}  // namespace wirebook::feeds::o2::schema
