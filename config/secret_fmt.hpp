#pragma once
// fmt (and therefore spdlog) formatting for config::Secret: always "***".
// Header-only and opt-in so that the config library itself stays toml++/std
// only (DESIGN.md §2); modules that log with fmt include this header.

#include <fmt/format.h>

#include <string_view>

#include "config/secret.hpp"

template <>
struct fmt::formatter<wirebook::config::Secret> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const wirebook::config::Secret& /*secret*/, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(wirebook::config::Secret::kMask, ctx);
  }
};
