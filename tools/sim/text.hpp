#pragma once
// Number text for emitted frames. Every form is exact: the value a client
// parses back equals the integer the generator holds.
//
// Threading: pure functions.
#include <cstdint>
#include <string>
#include <string_view>

namespace wirebook::sim {

enum class NumberStyle : std::uint8_t {
  canonical,   // 56749.15, 0.5, 300 (WOO v2 prints JSON numbers like this)
  float_like,  // 300.0 for integers, else canonical (Deribit/Pulse style "1054.0")
  exponent,    // 2.5e4, 1.423e-4, 3e0 (Deribit sometimes sends these)
};

// Appends value * 10^exp in the given style.
void append_decimal(std::string& out, std::int64_t value, int exp,
                    NumberStyle style = NumberStyle::canonical);

// Canonical text of value * 10^exp (book::format_decimal) as a string.
[[nodiscard]] std::string decimal_text(std::int64_t value, int exp);

// Rewrites canonical decimal text into exponent form ("25000" -> "2.5e4",
// "0.0001423" -> "1.423e-4"). Exposed for tests.
[[nodiscard]] std::string to_exponent_form(std::string_view canonical);

void append_uint(std::string& out, std::uint64_t v);
void append_int(std::string& out, std::int64_t v);

// Appends a JSON string literal (quotes and escapes included).
void append_json_string(std::string& out, std::string_view s);

}  // namespace wirebook::sim
