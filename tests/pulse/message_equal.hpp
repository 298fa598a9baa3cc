#pragma once
// Two Pulse Messages field for field (views by their text): the fast path's
// differential test and the Pulse fuzzer hold it equal to the general path.
#include <algorithm>

#include "feeds/pulse/parser.hpp"
#include "tests/common/fast_path_test.hpp"

namespace pulse_test {

using wirebook::feed_test::same_levels;

inline bool same_message(const wirebook::feeds::pulse::Message& a,
                         const wirebook::feeds::pulse::Message& b) {
  const bool views =
      a.channel == b.channel && a.instrument == b.instrument &&
      a.best_bid_price == b.best_bid_price && a.best_bid_amount == b.best_bid_amount &&
      a.best_ask_price == b.best_ask_price && a.best_ask_amount == b.best_ask_amount &&
      a.rate == b.rate && a.index_name == b.index_name && a.index_price == b.index_price &&
      a.error_message == b.error_message && a.refresh_token == b.refresh_token;
  const bool values =
      a.kind == b.kind && a.id == b.id && a.type == b.type && a.change_id == b.change_id &&
      a.prev_change_id == b.prev_change_id && a.has_change_id == b.has_change_id &&
      a.has_prev_change_id == b.has_prev_change_id && a.timestamp_ms == b.timestamp_ms &&
      a.result_not_list == b.result_not_list && a.error_code == b.error_code &&
      a.has_access_token == b.has_access_token && a.expires_in == b.expires_in;
  const bool channels = std::equal(a.result_channels.begin(), a.result_channels.end(),
                                   b.result_channels.begin(), b.result_channels.end());
  return views && values && channels && same_levels(a.bids, b.bids) && same_levels(a.asks, b.asks);
}

}  // namespace pulse_test
