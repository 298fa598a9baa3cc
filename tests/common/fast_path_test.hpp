#pragma once
// Helpers for the venue parsers' fast-path differential tests and fuzzers
// (issue 22): level lists compared by text, and one frame through a parser
// with its fast path on and one with it off.
#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/common/level_text.hpp"
#include "tests/common/feed_test_util.hpp"

namespace wirebook::feed_test {

inline bool same_levels(std::span<const feeds::LevelText> a, std::span<const feeds::LevelText> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const auto& x, const auto& y) { return x.px == y.px && x.qty == y.qty; });
}

// Parses `text` with both parsers; true when they give the same status and,
// when it is ok, `same(message, message)`. `Message` is the venue's.
template <class Message, class Parser, class Same>
bool parsers_agree(Parser& fast, Parser& general, const Frame& f, Same same) {
  Message mf;
  Message mg;
  const auto sf = fast.parse(f.data(), f.len, f.capacity(), mf);
  const auto sg = general.parse(f.data(), f.len, f.capacity(), mg);
  return sf == sg && (sf != decltype(sf)::ok || same(mf, mg));
}

// A venue's parser with its fast path on and one with it off, built alike.
template <class Parser>
struct ParserPair {
  template <class... Args>
  explicit ParserPair(const Args&... args) : fast(args...), general(args...) {
    general.set_fast_path(false);
  }
  Parser fast;
  Parser general;
};

// What one frame through a ParserPair and the venue's scan gave.
struct Checked {
  bool agree = false;  // same status and, when ok, `same` messages
  bool taken = false;  // the scan alone took the frame
};

// `text` through both parsers and through `scan(data, len, bids, asks,
// max_levels, message)`, the venue's fast-path function.
template <class Message, class Parser, class Same, class Scan>
Checked check_frame(ParserPair<Parser>& parsers, const std::string& text, Same same, Scan scan,
                    std::size_t max_levels) {
  const Frame f(text);
  std::vector<feeds::LevelText> bids(max_levels);
  std::vector<feeds::LevelText> asks(max_levels);
  Message scanned;
  return {parsers_agree<Message>(parsers.fast, parsers.general, f, same),
          scan(f.data(), f.len, bids.data(), asks.data(), max_levels, scanned)};
}

// A decimal of up to 5 integer and 8 fraction digits, as venues print prices
// and sizes.
template <class Rng>
std::string random_decimal(Rng& rng) {
  std::string s = std::to_string(rng() % 100000);
  if (rng() % 2 == 0) s += "." + std::to_string(rng() % 100000000);
  return s;
}

// Every prefix of `usual` (none is a whole frame) and every one-byte change
// (to each of `bytes`) through `agree(text)`, which checks both paths and
// returns whether the fast path took the text. Counts what it took.
struct Taken {
  int prefixes = 0;  // must stay 0
  int changes = 0;   // > 0: changed digits still fit the usual shape
};

template <class Agree>
Taken prefixes_and_changes(const std::string& usual, std::string_view bytes, Agree agree) {
  Taken taken;
  for (std::size_t n = 0; n < usual.size(); ++n) {
    if (agree(usual.substr(0, n))) ++taken.prefixes;
  }
  for (std::size_t at = 0; at < usual.size(); ++at) {
    for (const char c : bytes) {
      std::string text = usual;
      text[at] = c;
      if (agree(text)) ++taken.changes;
    }
  }
  return taken;
}

}  // namespace wirebook::feed_test
