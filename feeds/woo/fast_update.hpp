#pragma once
// The fast path of the v2 parser (issue 22): the venue's usual delta frame,
//   {"topic":"SYM@orderbookupdate","ts":T,"data":{"symbol":"SYM","prevTs":P,
//    "asks":[[px,qty],...],"bids":[[px,qty],...]}}
// with its keys in the documented order (woox-api.txt "orderbookupdate"),
// recognised in one forward pass without simdjson's index of the whole frame.
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

}  // namespace wirebook::feeds::woo
