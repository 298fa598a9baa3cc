#pragma once
// Fixed-size text buffers for messages kept on the venue thread and logged by
// its cold tick (venue error replies, rejected positions): no allocation, and
// control characters from venue-supplied text replaced so a log line stays
// one line.
#include <array>
#include <cstddef>
#include <string_view>

namespace wirebook::feeds {

// Appends `part` to buf[len..], replacing control characters with '?'; stops
// silently when the buffer is full.
template <std::size_t N>
void put_printable(std::array<char, N>& buf, std::size_t& len, std::string_view part) noexcept {
  for (const char c : part) {
    if (len == N) return;
    const auto u = static_cast<unsigned char>(c);
    buf[len++] = (u < 0x20 || u == 0x7f) ? '?' : c;
  }
}

}  // namespace wirebook::feeds
