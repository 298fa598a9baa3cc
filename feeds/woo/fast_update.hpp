#pragma once
// The fast path of the WOO parser (issue 22): the venue's usual delta frame,
// v2 (below) and v3 (scan_v3_update),
//   {"topic":"SYM@orderbookupdate","ts":T,"data":{"symbol":"SYM","prevTs":P,
//    "asks":[[px,qty],...],"bids":[[px,qty],...]}}
// with its keys in the documented order (woox-api.txt "orderbookupdate"),
// recognised in one forward pass without simdjson's index of the whole frame.
// A level's values may be JSON numbers or plain strings, as in the general path.
//
// Never less strict than the general parser: it accepts only bytes that are
// valid JSON of exactly that shape (whitespace allowed between tokens,
// strings of printable ASCII without escapes, numbers by the JSON grammar,
// ts and prevTs plain integers) and then fills the Message exactly as the
// general path would. Anything else — another key order, an escape, a
// number in another form, a symbol mismatch, more levels than the parser
// holds, trailing bytes — returns false and the general path decides, so
// every odd frame gets the same verdict as before. The differential test
// (tests/woo/test_woo_fast_update.cpp) and the fuzzer hold the two paths equal.
#include <cstddef>

#include "feeds/woo/parser.hpp"

namespace wirebook::feeds::woo {

// True: `data[0, len)` is the usual v2 delta; `out` is filled (kind
// book_update, levels in `bids`/`asks`, at most `max_levels` per side).
// False: not that shape; the level arrays are then left in any state and
// `out` untouched. Reads nothing outside `data[0, len)`.
[[nodiscard]] bool scan_v2_update(const char* data, std::size_t len, LevelText* bids,
                                  LevelText* asks, std::size_t max_levels, Message& out) noexcept;

// The same for the v3 delta, {"topic":"orderbookupdate@SYM@DEPTH","ts":T,
// "data":{...}} with `data` holding s, prevTs, ts, asks and bids once each in
// any order (the venue's real frames and its documentation order them
// differently, PROTOCOLS §1.9), levels as strings (or numbers).
[[nodiscard]] bool scan_v3_update(const char* data, std::size_t len, LevelText* bids,
                                  LevelText* asks, std::size_t max_levels, Message& out) noexcept;

}  // namespace wirebook::feeds::woo
