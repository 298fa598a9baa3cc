#include "book/decimal.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <limits>

#include "book/decimal_simd.hpp"

namespace wirebook::book {
namespace {

using detail::kPow10;

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// The syntactic pieces of a decimal number: [-]int[.frac][(e|E)[+-]exp].
struct Scanned {
  bool negative = false;
  std::string_view int_digits;
  std::string_view frac_digits;
  std::int64_t exp10 = 0;  // saturated at +-kExpSaturation
};

constexpr std::int64_t kExpSaturation = 100000;

DecimalError scan(std::string_view s, Scanned& out) noexcept {
  if (s.empty()) return DecimalError::empty;
  std::size_t i = 0;
  if (s[i] == '-') {
    out.negative = true;
    ++i;
  }
  const std::size_t int_begin = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  out.int_digits = s.substr(int_begin, i - int_begin);
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t frac_begin = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    out.frac_digits = s.substr(frac_begin, i - frac_begin);
  }
  if (out.int_digits.empty() && out.frac_digits.empty()) return DecimalError::garbage;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      exp_negative = s[i] == '-';
      ++i;
    }
    if (i >= s.size() || !is_digit(s[i])) return DecimalError::garbage;
    std::int64_t e = 0;
    while (i < s.size() && is_digit(s[i])) {
      if (e < kExpSaturation) e = e * 10 + (s[i] - '0');
      ++i;
    }
    out.exp10 = exp_negative ? -e : e;
  }
  return i == s.size() ? DecimalError::ok : DecimalError::garbage;
}

// Significant digits of a scanned number: the integer formed by the digits from
// the first to the last non-zero one, and the power of ten of the last one.
struct Significand {
  bool zero = true;
  std::string_view int_part;  // slices of the digits, see digit_at
  std::string_view frac_part;
  std::size_t first_nz = 0;  // index into the concatenated digits
  std::size_t last_nz = 0;
  std::int64_t last_place = 0;  // power of ten of the last non-zero digit
};

char digit_at(const Significand& sig, std::size_t k) noexcept {
  return k < sig.int_part.size() ? sig.int_part[k] : sig.frac_part[k - sig.int_part.size()];
}

Significand significand(const Scanned& sc) noexcept {
  Significand sig;
  sig.int_part = sc.int_digits;
  sig.frac_part = sc.frac_digits;
  const std::size_t n = sc.int_digits.size() + sc.frac_digits.size();
  for (std::size_t k = 0; k < n; ++k) {
    if (digit_at(sig, k) != '0') {
      if (sig.zero) sig.first_nz = k;
      sig.zero = false;
      sig.last_nz = k;
    }
  }
  if (!sig.zero) {
    sig.last_place = static_cast<std::int64_t>(sc.int_digits.size()) - 1 -
                     static_cast<std::int64_t>(sig.last_nz) + sc.exp10;
  }
  return sig;
}

}  // namespace

const char* to_string(DecimalError e) noexcept {
  switch (e) {
    case DecimalError::ok:
      return "ok";
    case DecimalError::empty:
      return "empty decimal text";
    case DecimalError::garbage:
      return "not a decimal number";
    case DecimalError::too_many_decimals:
      return "more decimals than the exponent allows";
    case DecimalError::overflow:
      return "value overflows int64";
    case DecimalError::negative:
      return "negative value not allowed";
    case DecimalError::bad_exponent:
      return "exponent out of range";
  }
  return "unknown decimal error";
}

std::int64_t pow10(int n) noexcept {
  return (n >= 0 && n <= 18) ? kPow10[static_cast<std::size_t>(n)] : 0;
}

namespace {

// Fast path for the common wire form "[-]digits[.digits]" with at most 18
// digits and exp <= 0: one pass, no exponent handling. Returns false when the
// text is not of that form; the general path then decides (and reports errors).
bool parse_plain(std::string_view s, int exp, std::int64_t& out, Sign sign,
                 DecimalError& err) noexcept {
  if (exp > 0 || s.empty() || s.size() > 20) return false;
  std::size_t i = 0;
  const bool negative = s[0] == '-';
  if (negative) ++i;
  std::int64_t v = 0;
  int digits = 0;
  int frac = -1;  // digits after the point, -1 while before it
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      // 18 digits always fit in int64; a 19th could overflow, so longer
      // texts go to the general path, which checks every step.
      if (digits == 18) return false;
      v = v * 10 + (c - '0');
      ++digits;
      if (frac >= 0) ++frac;
    } else if (c == '.' && frac < 0) {
      frac = 0;
    } else {
      return false;  // exponent or garbage: general path
    }
  }
  if (digits == 0) return false;
  if (frac < 0) frac = 0;
  if (v == 0) {
    out = 0;
    err = DecimalError::ok;
    return true;
  }
  if (negative && sign == Sign::non_negative_only) {
    err = DecimalError::negative;
    return true;
  }
  const int scale = -exp;
  if (frac > scale) {
    // Extra fraction digits must be zeros ("2785.70" at exp -1).
    const std::int64_t d = kPow10[static_cast<std::size_t>(frac - scale)];
    if (v % d != 0) {
      err = DecimalError::too_many_decimals;
      return true;
    }
    v /= d;
  } else if (frac < scale) {
    if (__builtin_mul_overflow(v, kPow10[static_cast<std::size_t>(scale - frac)], &v)) {
      err = DecimalError::overflow;
      return true;
    }
  }
  out = negative ? -v : v;
  err = DecimalError::ok;
  return true;
}

DecimalError parse_general(std::string_view text, int exp, std::int64_t& out, Sign sign) noexcept {
  Scanned sc;
  if (auto err = scan(text, sc); err != DecimalError::ok) return err;
  const Significand sig = significand(sc);
  if (sig.zero) {
    out = 0;
    return DecimalError::ok;
  }
  if (sc.negative && sign == Sign::non_negative_only) return DecimalError::negative;
  if (sig.last_place < exp) return DecimalError::too_many_decimals;
  const std::int64_t shift = sig.last_place - exp;
  if (shift > 18) return DecimalError::overflow;
  std::int64_t v = 0;
  for (std::size_t k = sig.first_nz; k <= sig.last_nz; ++k) {
    if (__builtin_mul_overflow(v, std::int64_t{10}, &v) ||
        __builtin_add_overflow(v, std::int64_t{digit_at(sig, k) - '0'}, &v)) {
      return DecimalError::overflow;
    }
  }
  if (__builtin_mul_overflow(v, kPow10[static_cast<std::size_t>(shift)], &v)) {
    return DecimalError::overflow;
  }
  out = sc.negative ? -v : v;
  return DecimalError::ok;
}

}  // namespace

DecimalError parse_decimal(std::string_view text, int exp, std::int64_t& out, Sign sign) noexcept {
  if (exp < kMinExp || exp > kMaxExp) return DecimalError::bad_exponent;
#if WIREBOOK_DECIMAL_SIMD
  if (DecimalError fast = DecimalError::ok; detail::parse_plain_simd(text, exp, out, sign, fast)) {
    return fast;
  }
#endif
  if (DecimalError fast = DecimalError::ok; parse_plain(text, exp, out, sign, fast)) return fast;
  return parse_general(text, exp, out, sign);
}

namespace detail {
DecimalError parse_decimal_scalar(std::string_view text, int exp, std::int64_t& out,
                                  Sign sign) noexcept {
  if (exp < kMinExp || exp > kMaxExp) return DecimalError::bad_exponent;
  if (DecimalError fast = DecimalError::ok; parse_plain(text, exp, out, sign, fast)) return fast;
  return parse_general(text, exp, out, sign);
}
}  // namespace detail

DecimalError exact_exponent(std::string_view text, int& exp_out) noexcept {
  Scanned sc;
  if (auto err = scan(text, sc); err != DecimalError::ok) return err;
  const Significand sig = significand(sc);
  if (sig.zero) {
    exp_out = 0;
    return DecimalError::ok;
  }
  if (sig.last_place < kMinExp) return DecimalError::too_many_decimals;
  exp_out = sig.last_place > kMaxExp ? kMaxExp : static_cast<int>(sig.last_place);
  return DecimalError::ok;
}

DecimalError rescale(std::int64_t value, int from_exp, int to_exp, std::int64_t& out) noexcept {
  if (from_exp < kMinExp || from_exp > kMaxExp || to_exp < kMinExp || to_exp > kMaxExp ||
      to_exp > from_exp) {
    return DecimalError::bad_exponent;
  }
  const int k = from_exp - to_exp;
  if (value == 0) {
    out = 0;
    return DecimalError::ok;
  }
  if (k > 18) return DecimalError::overflow;
  std::int64_t v = 0;
  if (__builtin_mul_overflow(value, kPow10[static_cast<std::size_t>(k)], &v)) {
    return DecimalError::overflow;
  }
  out = v;
  return DecimalError::ok;
}

std::size_t format_decimal(std::int64_t value, int exp, char* buf, std::size_t cap) noexcept {
  if (exp < kMinExp || exp > kMaxExp) return 0;
  // Magnitude as unsigned so INT64_MIN formats correctly.
  std::uint64_t mag = value < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(value)
                                : static_cast<std::uint64_t>(value);
  std::array<char, 20> digits{};
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + mag % 10);
    mag /= 10;
  } while (mag != 0);
  // digits[] holds the magnitude least significant first.
  std::array<char, kMaxDecimalText> tmp{};
  std::size_t len = 0;
  if (value == 0) {
    tmp[len++] = '0';
  } else {
    if (value < 0) tmp[len++] = '-';
    if (exp >= 0) {
      for (std::size_t k = n; k > 0; --k) tmp[len++] = digits[k - 1];
      for (int z = 0; z < exp; ++z) tmp[len++] = '0';
    } else {
      const auto scale = static_cast<std::size_t>(-exp);
      // Trailing zeros of the fraction are dropped: find the lowest non-zero digit.
      std::size_t low = 0;
      while (low < scale && low < n && digits[low] == '0') ++low;
      if (n > scale) {
        for (std::size_t k = n; k > scale; --k) tmp[len++] = digits[k - 1];
      } else {
        tmp[len++] = '0';
      }
      if (low < scale) {
        tmp[len++] = '.';
        for (std::size_t k = scale; k > low; --k) tmp[len++] = (k - 1 < n) ? digits[k - 1] : '0';
      }
    }
  }
  if (len > cap) return 0;
  for (std::size_t k = 0; k < len; ++k) buf[k] = tmp[k];
  return len;
}

}  // namespace wirebook::book
