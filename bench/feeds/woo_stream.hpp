#pragma once
// The generated WOO X v2 stream the pipeline benches replay: one snapshot
// reply per symbol, then `frames` @orderbookupdate deltas over 4 symbols (~5
// level changes each, concentrated near the touch, prevTs chained), and the
// books they must end in.
#include <cstddef>
#include <string>
#include <vector>

#include "bench/feeds/pipeline.hpp"
#include "book/l2_book.hpp"

namespace wirebook::bench {

struct WooStream {
  static constexpr int kPxExp = -2;
  static constexpr int kQtyExp = -4;
  std::vector<std::string> symbols;
  std::vector<Frame> frames;
  // The same deltas as v3 frames (the venue's real key order, string levels),
  // for woo_bench's parser A/B; no snapshot replies.
  std::vector<Frame> v3_deltas;
  std::vector<book::L2Book> truth;
  [[nodiscard]] std::vector<feeds::InstrumentSpec> specs() const;
};

// Deterministic (fixed seed); prints the frame count and level changes per frame.
[[nodiscard]] WooStream make_woo_stream(std::size_t frames);

}  // namespace wirebook::bench
