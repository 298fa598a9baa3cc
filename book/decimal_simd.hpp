#pragma once
// The vectorised fast path of the exact decimal parser (decimal.hpp), inline,
// and parse_level, which uses it so that per-level loops (VenueBooks) convert
// a level's price and size without a call.
#include <array>
#include <bit>
#include <cstdint>
#include <string_view>

#include "book/decimal.hpp"

#if defined(__SSE4_1__) && defined(__SSSE3__) && defined(__POPCNT__)
#include <immintrin.h>
#define WIREBOOK_DECIMAL_SIMD 1
#endif

namespace wirebook::book::detail {

inline constexpr std::array<std::int64_t, 19> kPow10 = {
    1LL,
    10LL,
    100LL,
    1000LL,
    10000LL,
    100000LL,
    1000000LL,
    10000000LL,
    100000000LL,
    1000000000LL,
    10000000000LL,
    100000000000LL,
    1000000000000LL,
    10000000000000LL,
    100000000000000LL,
    1000000000000000LL,
    10000000000000000LL,
    100000000000000000LL,
    1000000000000000000LL,
};

#if WIREBOOK_DECIMAL_SIMD
// 16 bytes from p. The caller guarantees they lie in one page (so the load
// cannot fault); bytes past the text are masked out by the caller and never
// influence the result. Not instrumented: ASan would report the masked bytes.
__attribute__((no_sanitize_address)) inline __m128i load_in_page(const char* p) noexcept {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// The same plain form as parse_plain, [-]digits[.digits] with up to 16
// characters after the sign, without a data-dependent branch per character:
// classify all bytes at once, right-align the digits without the point with
// one shuffle and combine them pairwise (10, 100, 10^4, 10^8). Same results
// and error precedence as parse_plain; false sends the text to the next path.
inline bool parse_plain_simd(std::string_view s, int exp, std::int64_t& out, Sign sign,
                             DecimalError& err) noexcept {
  const char* p = s.data();
  std::size_t n = s.size();
  if (exp > 0 || n == 0) return false;
  const bool negative = p[0] == '-';
  if (negative) {
    ++p;
    --n;
  }
  if (n == 0 || n > 16) return false;
  if ((reinterpret_cast<std::uintptr_t>(p) & 4095U) > 4096U - 16U) return false;
  const __m128i raw = load_in_page(p);
  const __m128i d = _mm_sub_epi8(raw, _mm_set1_epi8('0'));
  const __m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
  const auto len_bits = static_cast<std::uint32_t>((1U << n) - 1U);
  const auto digit_bits = static_cast<std::uint32_t>(_mm_movemask_epi8(is_digit)) & len_bits;
  const auto dot_bits =
      static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(raw, _mm_set1_epi8('.')))) &
      len_bits;
  // Exponents, signs inside, stray characters, several points: other paths.
  if ((digit_bits | dot_bits) != len_bits || std::popcount(dot_bits) > 1 || digit_bits == 0) {
    return false;
  }
  const auto zero_bits =
      static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(d, _mm_setzero_si128())));
  // Zero is fine whatever its sign or decimals. No branch depends on the
  // digits below except the (never taken) error exits: zero sizes (deletes)
  // and varying decimal counts must not cost mispredictions.
  const bool zero = (zero_bits & digit_bits) == digit_bits;
  if (negative && sign == Sign::non_negative_only && !zero) {
    err = DecimalError::negative;
    return true;
  }
  const int len = static_cast<int>(n);
  const int dot = dot_bits != 0 ? std::countr_zero(dot_bits) : len;
  const int digits = len - (dot_bits != 0 ? 1 : 0);
  const int frac = dot_bits != 0 ? len - dot - 1 : 0;
  const int scale = -exp;
  // Fraction digits beyond the scale must all be zeros ("2785.70" at -1); they
  // are the last `drop` characters and are left out of the value.
  const int drop = frac > scale ? frac - scale : 0;
  const std::uint32_t drop_bits = len_bits & ~((1U << static_cast<unsigned>(len - drop)) - 1U);
  if ((zero_bits & drop_bits) != drop_bits && !zero) {
    err = DecimalError::too_many_decimals;
    return true;
  }
  // Lane j takes digit number j - (16 - kept) of the point-less digit string
  // (zero when negative); digit number k sits at character k, or k + 1 after
  // the point.
  const int kept = digits - drop;
  const __m128i src =
      _mm_sub_epi8(_mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                   _mm_set1_epi8(static_cast<char>(16 - kept)));
  const __m128i after_dot = _mm_cmpgt_epi8(src, _mm_set1_epi8(static_cast<char>(dot - 1)));
  const __m128i ctrl = _mm_sub_epi8(src, after_dot);  // negative lanes keep bit 7: zeroed
  const __m128i aligned = _mm_shuffle_epi8(d, ctrl);
  const __m128i pairs = _mm_maddubs_epi16(aligned, _mm_set1_epi16(0x010A));   // 10a + b
  const __m128i quads = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00010064));    // 100a + b
  const __m128i packed = _mm_packus_epi32(quads, quads);                      // to 16 bits
  const __m128i octets = _mm_madd_epi16(packed, _mm_set1_epi32(0x00012710));  // 10^4 a + b
  const auto hi = static_cast<std::uint32_t>(_mm_cvtsi128_si32(octets));
  const auto lo = static_cast<std::uint32_t>(_mm_extract_epi32(octets, 1));
  std::int64_t v = static_cast<std::int64_t>(hi) * 100'000'000 + static_cast<std::int64_t>(lo);
  const int widen = frac < scale ? scale - frac : 0;
  if (__builtin_mul_overflow(v, kPow10[static_cast<std::size_t>(widen)], &v)) {
    err = DecimalError::overflow;
    return true;
  }
  out = negative ? -v : v;
  err = DecimalError::ok;
  return true;
}
#endif

}  // namespace wirebook::book::detail

namespace wirebook::book {

// One book level's price (signed) and size (non-negative) at their exponents:
// the same results as two parse_decimal calls, with the common plain form of
// both converted side by side inline; any other form (or an out-of-range
// exponent) goes to parse_decimal.
[[gnu::always_inline]] inline LevelErrors parse_level(std::string_view px, int px_exp,
                                                      std::int64_t& px_out, std::string_view qty,
                                                      int qty_exp, std::int64_t& qty_out) noexcept {
#if WIREBOOK_DECIMAL_SIMD
  if (px_exp >= kMinExp && px_exp <= kMaxExp && qty_exp >= kMinExp && qty_exp <= kMaxExp) {
    LevelErrors e{DecimalError::ok, DecimalError::ok};
    const bool p = detail::parse_plain_simd(px, px_exp, px_out, Sign::allow_negative, e.px);
    const bool q = detail::parse_plain_simd(qty, qty_exp, qty_out, Sign::non_negative_only, e.qty);
    if (p && q) return e;
    if (!p) e.px = parse_decimal(px, px_exp, px_out, Sign::allow_negative);
    if (!q) e.qty = parse_decimal(qty, qty_exp, qty_out, Sign::non_negative_only);
    return e;
  }
#endif
  return {parse_decimal(px, px_exp, px_out, Sign::allow_negative),
          parse_decimal(qty, qty_exp, qty_out, Sign::non_negative_only)};
}

}  // namespace wirebook::book
