#pragma once
// Helpers for venue parsers: number text straight from the receive buffer.
// Header-only and included only by parser translation units (simdjson stays
// out of everything else).
#include <simdjson.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include <bit>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>

#include "book/decimal.hpp"

namespace wirebook::feeds::json {

// Sizes a venue parser at construction so frames up to 1 MiB never allocate;
// larger frames (rare full books) grow it once, up to `max_frame`. Throws
// std::bad_alloc when the memory is not there.
inline void preallocate(simdjson::ondemand::parser& parser, std::size_t max_frame) {
  constexpr std::size_t kUpFront = std::size_t{1} << 20U;
  if (parser.allocate(max_frame < kUpFront ? max_frame : kUpFront) != simdjson::SUCCESS) {
    throw std::bad_alloc();
  }
}

// Iterates a padded frame in place (`capacity` >= len + SIMDJSON_PADDING) and
// opens its top-level object; false for anything that is not a JSON object.
// `doc` must outlive `obj`.
[[nodiscard]] inline bool top_object(simdjson::ondemand::parser& parser, const char* data,
                                     std::size_t len, std::size_t capacity,
                                     simdjson::ondemand::document& doc,
                                     simdjson::ondemand::object& obj) noexcept {
  return parser.iterate(data, len, capacity).get(doc) == simdjson::SUCCESS &&
         doc.get_object().get(obj) == simdjson::SUCCESS;
}

namespace detail {
// Text from just after an opening quote up to the closing one, without
// unescaping; false when it contains a backslash (the caller unescapes).
// The string is known to be closed inside the document, and the frame carries
// SIMDJSON_PADDING bytes after it, so 32-byte loads that start inside the
// string stay inside the buffer.
[[nodiscard]] inline bool plain_string_at(const char* p, std::string_view& out) noexcept {
#if defined(__AVX2__)
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i backslash = _mm256_set1_epi8('\\');
  for (const char* q = p;; q += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
    const auto quotes =
        static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)));
    const auto escapes =
        static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, backslash)));
    // A backslash before the first quote (anywhere when the block has none):
    // the caller unescapes. (quotes - 1) & ~quotes: the bits below the first.
    if ((escapes & (quotes - 1U) & ~quotes) != 0) return false;
    if (quotes != 0) {
      out = std::string_view(p, static_cast<std::size_t>(q - p) + std::countr_zero(quotes));
      return true;
    }
  }
#else
  const char* q = p;
  while (*q != '"') {
    if (*q == '\\') return false;
    ++q;
  }
  out = std::string_view(p, static_cast<std::size_t>(q - p));
  return true;
#endif
}

// A raw token that starts a number, without the whitespace raw_json_token()
// keeps up to the next structural character; empty for any other token.
[[nodiscard]] inline std::string_view number_token(std::string_view raw) noexcept {
  if (raw.empty() || (raw.front() != '-' && (raw.front() < '0' || raw.front() > '9'))) return {};
  while (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t') {
    raw.remove_suffix(1);
  }
  return raw;
}
}  // namespace detail

// A field's key as a view. Keys without escapes (every key venues send) are
// read in place from the frame; only a key with a backslash is unescaped into
// the parser's buffer. Either way the view equals the unescaped key.
[[nodiscard]] inline bool key(simdjson::ondemand::field& f, std::string_view& out) noexcept {
  if (detail::plain_string_at(f.key().raw(), out)) return true;
  return f.unescaped_key().get(out) == simdjson::SUCCESS;
}
// Same for the element an object iteration yields (false on its error).
[[nodiscard]] inline bool key(simdjson::simdjson_result<simdjson::ondemand::field>& f,
                              std::string_view& out) noexcept {
  return f.error() == simdjson::SUCCESS && key(f.value_unsafe(), out);
}

// A string value as a view, read in place when it has no escapes (symbols,
// types, actions) and unescaped otherwise; false for any other type. The view
// stays valid while the frame and the parser's current document do.
[[nodiscard]] inline bool string(simdjson::ondemand::value v, std::string_view& out) noexcept {
  // raw_json_token() only peeks; the value is skipped or unescaped after.
  const std::string_view tok = v.raw_json_token();
  if (tok.empty() || tok.front() != '"') return false;
  if (detail::plain_string_at(tok.data() + 1, out)) return true;
  return v.get_string().get(out) == simdjson::SUCCESS;
}

// The text of a JSON number (as written on the wire, e.g. "2.5e4") or of a
// string's contents ("0.000123"). Numbers are taken as raw tokens, so nothing
// is converted through double. False for any other type.
[[nodiscard]] inline bool number_text(simdjson::ondemand::value v, std::string_view& out) noexcept {
  // The token's first byte tells the type (what value::type() looks at), so
  // one peek serves both the check and the text.
  const std::string_view raw = v.raw_json_token();
  if (!raw.empty() && raw.front() == '"') {
    if (detail::plain_string_at(raw.data() + 1, out)) return true;
    return v.get_string().get(out) == simdjson::SUCCESS;
  }
  out = detail::number_token(raw);
  return !out.empty();
}

// An integer field (int64) that may also arrive as a string of digits.
[[nodiscard]] inline bool int_value(simdjson::ondemand::value v, std::int64_t& out) noexcept {
  // Numbers go through the exact decimal parser (its vectorised path takes
  // the 11-13 digit ids and timestamps at once; simdjson's get_int64 walks
  // them digit by digit). Any number whose value is an exact int64 is taken,
  // so 5, 5.0 and 5e0 are all 5; 5.5 or 1e19 are not integers here.
  if (const std::string_view text = detail::number_token(v.raw_json_token()); !text.empty()) {
    return book::parse_decimal(text, 0, out, book::Sign::allow_negative) == book::DecimalError::ok;
  }
  simdjson::ondemand::json_type t{};
  if (v.type().get(t) != simdjson::SUCCESS) return false;
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

// A `[price, size]` pair of numbers or numeric strings, as raw text; false
// for any other shape.
[[nodiscard]] inline bool number_pair(simdjson::ondemand::array pair, std::string_view& px,
                                      std::string_view& qty) noexcept {
  std::size_t k = 0;
  for (auto e : pair) {
    simdjson::ondemand::value ev;
    if (e.get(ev) != simdjson::SUCCESS || k >= 2) return false;
    if (!number_text(ev, k == 0 ? px : qty)) return false;
    ++k;
  }
  return k == 2;
}

}  // namespace wirebook::feeds::json
