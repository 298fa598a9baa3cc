#pragma once
// Two O2 Messages field for field (views by their text): the fast path's
// differential test and the O2 fuzzer hold it equal to the general path.
#include <algorithm>

#include "feeds/o2/parser.hpp"
#include "tests/common/fast_path_test.hpp"

namespace o2_test {

using wirebook::feed_test::same_levels;

inline bool same_trades(std::span<const wirebook::feeds::o2::TradeText> a,
                        std::span<const wirebook::feeds::o2::TradeText> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.px == y.px && x.qty == y.qty && x.side == y.side && x.ts_ms == y.ts_ms;
  });
}

inline bool same_message(const wirebook::feeds::o2::Message& a,
                         const wirebook::feeds::o2::Message& b) {
  const bool views = a.channel == b.channel && a.bid_px == b.bid_px && a.bid_qty == b.bid_qty &&
                     a.ask_px == b.ask_px && a.ask_qty == b.ask_qty && a.value == b.value &&
                     a.error_message == b.error_message;
  const bool values = a.kind == b.kind && a.market_id == b.market_id &&
                      a.has_market_id == b.has_market_id && a.type == b.type && a.seq == b.seq &&
                      a.prev_seq == b.prev_seq && a.has_seq == b.has_seq &&
                      a.has_prev_seq == b.has_prev_seq && a.ts_ms == b.ts_ms;
  return views && values && same_levels(a.bids, b.bids) && same_levels(a.asks, b.asks) &&
         same_trades(a.trades, b.trades);
}

}  // namespace o2_test
