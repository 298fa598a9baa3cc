#pragma once
// Two WOO Messages field for field (views by their text): the fast path's
// differential test and the WOO fuzzer hold it equal to the general path.
#include <algorithm>

#include "feeds/woo/parser.hpp"
#include "tests/common/fast_path_test.hpp"

namespace woo_test {

using wirebook::feed_test::same_levels;

inline bool same_message(const wirebook::feeds::woo::Message& a,
                         const wirebook::feeds::woo::Message& b) {
  const bool views = a.symbol == b.symbol && a.id == b.id && a.error_msg == b.error_msg &&
                     a.price == b.price && a.funding_rate == b.funding_rate &&
                     a.open_interest == b.open_interest && a.size == b.size && a.side == b.side &&
                     a.bid == b.bid && a.bid_size == b.bid_size && a.ask == b.ask &&
                     a.ask_size == b.ask_size;
  const bool values = a.kind == b.kind && a.ts_ms == b.ts_ms && a.prev_ts_ms == b.prev_ts_ms &&
                      a.data_ts_ms == b.data_ts_ms && a.has_prev_ts == b.has_prev_ts &&
                      a.has_data_ts == b.has_data_ts && a.price_quoted == b.price_quoted &&
                      a.price_px == b.price_px && a.next_funding_ms == b.next_funding_ms &&
                      a.has_next_funding == b.has_next_funding;
  const bool acked = std::equal(a.acked.begin(), a.acked.end(), b.acked.begin(), b.acked.end());
  return views && values && acked && same_levels(a.bids, b.bids) && same_levels(a.asks, b.asks);
}

}  // namespace woo_test
