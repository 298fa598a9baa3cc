#pragma once
// Exact decimal text <-> int64 fixed point (DESIGN.md §3).
//
// A fixed-point value v with exponent e stands for v * 10^e; e.g. 56749.15 with
// px_exp -2 is 5674915. Conversions never round: text that cannot be represented
// exactly at the requested exponent is an error, and each failure has its own
// value so adapters can react (widen the exponent, or count and resync).
//
// Threading: pure functions, no state, no allocation, no exceptions.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wirebook::book {

// Exponents are limited so that 10^|exp| fits in int64.
inline constexpr int kMinExp = -18;
inline constexpr int kMaxExp = 18;

enum class DecimalError : std::uint8_t {
  ok = 0,
  empty,              // no characters at all
  garbage,            // not a decimal number (stray characters, lone '.', bad exponent)
  too_many_decimals,  // exact value needs a smaller exponent than the one asked for
  overflow,           // exact value does not fit in int64 at that exponent
  negative,           // a minus sign where negatives are not allowed (quantities)
  bad_exponent,       // the requested exponent is outside [kMinExp, kMaxExp]
};

[[nodiscard]] const char* to_string(DecimalError e) noexcept;

enum class Sign : std::uint8_t { non_negative_only, allow_negative };

// Parses JSON number text or the inside of a JSON string ("56749.15", "0.000123",
// "2.5e4", "1E-8", "-3") into `out` scaled to exponent `exp`. Leading '+' is
// rejected (JSON has none); leading zeros are accepted ("007" is 7) because
// venues send them in strings. "-0" is zero and is accepted even for
// non-negative-only values. On error `out` is left untouched.
[[nodiscard]] DecimalError parse_decimal(std::string_view text, int exp, std::int64_t& out,
                                         Sign sign = Sign::non_negative_only) noexcept;

// What parse_level (book/decimal_simd.hpp) reports for a level's two numbers.
struct LevelErrors {
  DecimalError px;
  DecimalError qty;
};

namespace detail {
// parse_decimal without its vectorised fast path (same contract): the
// reference the tests compare the fast path against.
[[nodiscard]] DecimalError parse_decimal_scalar(std::string_view text, int exp, std::int64_t& out,
                                                Sign sign = Sign::non_negative_only) noexcept;
}  // namespace detail

// The largest exponent at which `text` is exact (e.g. "56749.15" -> -2,
// "2.5e4" -> 3, "0" -> 0, "1.10" -> -1). Used to pick an exponent from a first
// snapshot and to decide when a later message needs a wider one.
[[nodiscard]] DecimalError exact_exponent(std::string_view text, int& exp_out) noexcept;

// Rescales a fixed-point value from one exponent to a smaller (finer) one:
// value * 10^(from - to). `to` must be <= `from`. Overflow is reported.
[[nodiscard]] DecimalError rescale(std::int64_t value, int from_exp, int to_exp,
                                   std::int64_t& out) noexcept;

// 10^n for n in [0, 18].
[[nodiscard]] std::int64_t pow10(int n) noexcept;

// Longest canonical text: sign, 19 digits, point, 18 leading zeros.
inline constexpr std::size_t kMaxDecimalText = 48;

// Canonical text of value * 10^exp: no exponent, no trailing zeros, no trailing
// point, "0" for zero, leading "0." for magnitudes below one. Writes at most
// kMaxDecimalText bytes (no terminator) and returns the length written, or 0 if
// `cap` is too small or `exp` is out of range.
std::size_t format_decimal(std::int64_t value, int exp, char* buf, std::size_t cap) noexcept;

}  // namespace wirebook::book
