#pragma once
// Helpers for venue parsers: number text straight from the receive buffer.
// Header-only and included only by parser translation units (simdjson stays
// out of everything else).
#include <simdjson.h>

#include <string_view>

namespace wirebook::feeds::json {

// The text of a JSON number (as written on the wire, e.g. "2.5e4") or of a
// string's contents ("0.000123"). Numbers are taken as raw tokens, so nothing
// is converted through double. False for any other type.
[[nodiscard]] inline bool number_text(simdjson::ondemand::value v, std::string_view& out) noexcept {
  simdjson::ondemand::json_type t{};
  if (v.type().get(t) != simdjson::SUCCESS) return false;
  if (t == simdjson::ondemand::json_type::number) {
    std::string_view raw = v.raw_json_token();
    // raw_json_token runs up to the next structural character: trim spaces.
    while (!raw.empty() &&
           (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
      raw.remove_suffix(1);
    }
    out = raw;
    return !raw.empty();
  }
  if (t == simdjson::ondemand::json_type::string) {
    return v.get_string().get(out) == simdjson::SUCCESS;
  }
  return false;
}

// An integer field (int64) that may also arrive as a string of digits.
[[nodiscard]] inline bool int_value(simdjson::ondemand::value v, std::int64_t& out) noexcept {
  simdjson::ondemand::json_type t{};
  if (v.type().get(t) != simdjson::SUCCESS) return false;
  if (t == simdjson::ondemand::json_type::number)
    return v.get_int64().get(out) == simdjson::SUCCESS;
  if (t == simdjson::ondemand::json_type::string) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS || s.empty() || s.size() > 18) return false;
    std::int64_t x = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      x = x * 10 + (c - '0');
    }
    out = x;
    return true;
  }
  return false;
}

}  // namespace wirebook::feeds::json
