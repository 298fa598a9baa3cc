#pragma once
// Names and sizes the segment writers share (writer.cpp, consolidated_writer.cpp).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace wirebook::shm::detail {

inline constexpr std::uint64_t kPage = 4096;

[[nodiscard]] constexpr std::uint64_t round_up_page(std::uint64_t n) noexcept {
  return (n + kPage - 1) / kPage * kPage;
}

// A venue or instance name: [A-Za-z0-9_.-], not starting with '.', < cap bytes.
[[nodiscard]] inline bool valid_name(const std::string& s, std::size_t cap) noexcept {
  if (s.empty() || s.size() >= cap) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return s[0] != '.';
}

// Copies `s` into a NUL-padded field of `cap` bytes (truncated to cap - 1).
inline void copy_name(char* dst, std::size_t cap, const std::string& s) noexcept {
  const std::size_t n = s.size() < cap ? s.size() : cap - 1;
  std::memset(dst, 0, cap);
  std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
}

}  // namespace wirebook::shm::detail
