#pragma once
// The fast path of the Pulse parser (issue 22): the venue's usual book
// notification,
//   {"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.X.raw",
//    "data":{"type":"change","timestamp":T,"prev_change_id":P,
//    "instrument_name":"X","change_id":C,"bids":[...],"asks":[...]}}}
// with the envelope in that order and `data`'s keys once each in any order
// (tests/fixtures/pulse holds frames in three different orders), entries
// ["new"|"change"|"delete", price, amount] or [price, amount]; snapshots too.
//
// Never less strict than the general parser: it accepts only valid JSON of
// exactly that shape (json_cursor.hpp) and fills the Message exactly as the
// general path would. Anything else — another envelope order, an unknown or
// repeated key, an escape, a number in another form, a zero or negative id,
// more levels than the parser holds, trailing bytes — returns false and the
// general path decides. tests/pulse/test_pulse_fast_book.cpp and the fuzzer
// hold the two paths equal.
#include <cstddef>

#include "feeds/pulse/parser.hpp"

namespace wirebook::feeds::pulse {

// True: `data[0, len)` is the usual book notification; `out` is filled (kind
// book, levels in `bids`/`asks`, at most `max_levels` per side). False: not
// that shape; the level arrays are then left in any state and `out`
// untouched. Reads nothing outside `data[0, len)`.
[[nodiscard]] bool scan_book_notification(const char* data, std::size_t len, LevelText* bids,
                                          LevelText* asks, std::size_t max_levels,
                                          Message& out) noexcept;

}  // namespace wirebook::feeds::pulse
