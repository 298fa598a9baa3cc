#pragma once
// The fast path of the O2 parser (issue 22): the working schema's book frame,
//   {"channel":"order_book","market_id":N,"type":"delta","seq":S,"prev_seq":P,
//    "ts":T,"data":{"bids":[...],"asks":[...]}}
// with the top-level keys and data's keys once each in any order (seq,
// prev_seq and ts may be absent), type snapshot, delta or update, levels as
// [px,qty] (numbers or strings) or {"price":px,"size":qty}.
//
// Never less strict than the general parser: it accepts only valid JSON of
// exactly that shape (json_cursor.hpp) and fills the Message exactly as the
// general path would. Anything else — the schema's other key names
// (sequence, timestamp, quantity ...), null values, levels at the top
// level, an escape, a number in another form, more levels than the parser
// holds, trailing bytes — returns false and the general path decides.
// tests/o2/test_o2_fast_book.cpp and the fuzzer hold the two paths equal.
#include <cstddef>

#include "feeds/o2/parser.hpp"

namespace wirebook::feeds::o2 {

// True: `data[0, len)` is the usual book frame; `out` is filled (kind book,
// levels in `bids`/`asks`, at most `max_levels` per side). False: not that
// shape; the level arrays are then left in any state and `out` untouched.
// Reads nothing outside `data[0, len)`.
[[nodiscard]] bool scan_book_frame(const char* data, std::size_t len, LevelText* bids,
                                   LevelText* asks, std::size_t max_levels, Message& out) noexcept;

}  // namespace wirebook::feeds::o2
