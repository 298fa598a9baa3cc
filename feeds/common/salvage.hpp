#pragma once
// Best-effort field extraction from a frame that failed to parse (cold path:
// malformed frames only). A feed uses it to find which book a broken frame
// belonged to, so that book resyncs at once instead of at its next delta. No
// JSON parsing: a plain search for the key, so anything it returns may be
// wrong — callers only ever use it to start a resync, never to apply data.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wirebook::feeds::salvage {

// The text after `"<key>":"` up to `stop` (or the closing quote), at most
// `max_len` characters; empty when not found.
[[nodiscard]] inline std::string_view string_field(std::string_view frame, std::string_view key,
                                                   char stop, std::size_t max_len) noexcept {
  const auto k = frame.find(key);
  if (k == std::string_view::npos) return {};
  std::size_t p = k + key.size();
  // Expect `":"` right after the key name (the key is given with its quotes).
  if (frame.substr(p, 2) != ":\"") return {};
  p += 2;
  std::size_t end = p;
  while (end < frame.size() && frame[end] != stop && frame[end] != '"' && end - p <= max_len) {
    ++end;
  }
  if (end >= frame.size() || frame[end] != stop || end - p > max_len) return {};
  return frame.substr(p, end - p);
}

// The non-negative integer after `"<key>":` (optionally quoted); -1 when not found.
[[nodiscard]] inline std::int64_t int_field(std::string_view frame, std::string_view key) noexcept {
  const auto k = frame.find(key);
  if (k == std::string_view::npos) return -1;
  std::size_t p = k + key.size();
  if (p >= frame.size() || frame[p] != ':') return -1;
  ++p;
  while (p < frame.size() && (frame[p] == ' ' || frame[p] == '"')) ++p;
  std::int64_t v = 0;
  std::size_t digits = 0;
  for (; p < frame.size() && frame[p] >= '0' && frame[p] <= '9' && digits < 18; ++p, ++digits) {
    v = v * 10 + (frame[p] - '0');
  }
  return digits == 0 ? -1 : v;
}

}  // namespace wirebook::feeds::salvage
