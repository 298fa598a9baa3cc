#pragma once
// One price level as text views into the receive buffer, as every venue
// parser hands it to VenueBooks (which converts it exactly, DESIGN §3).
#include <algorithm>
#include <cstddef>
#include <string_view>

#include "shm/prefetch.hpp"

namespace wirebook::feeds {

struct LevelText {
  std::string_view px;
  std::string_view qty;  // absolute size; "0" deletes
};

// A parser's warm() (an idle venue thread's warming, FrameHandler::warm):
// prefetches the first entries of its per-frame bid and ask arrays (each
// `capacity` long), which the next frame's levels are written into.
inline constexpr std::size_t kWarmLevelTexts = 16;
inline void warm_level_texts(const LevelText* bids, const LevelText* asks,
                             std::size_t capacity) noexcept {
  const std::size_t bytes = std::min(capacity, kWarmLevelTexts) * sizeof(LevelText);
  shm::prefetch_for_write(bids, bytes);
  shm::prefetch_for_write(asks, bytes);
}

}  // namespace wirebook::feeds
