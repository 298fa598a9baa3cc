#pragma once
// A forward reader for venue parsers' fast paths (issue 22): each method
// consumes one JSON token of the shape a venue's usual frame has, or returns
// false so the frame goes to the general simdjson path. Strict by design: it
// takes only what is valid JSON (whitespace between tokens, strings of
// printable ASCII without escapes, numbers by the JSON grammar), so a frame it
// accepts reads the same through either path. Reads nothing outside [p, end).
// Header-only: every method is meant to inline into one scan function.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "feeds/common/level_text.hpp"

namespace wirebook::feeds::json {

// A forward reader over [p, end): each method consumes one token (after any
// whitespace) or returns false, leaving the frame to the general path.
class Cursor {
 public:
  Cursor(const char* data, std::size_t len) noexcept : p_(data), end_(data + len) {}

  [[gnu::always_inline]] void skip_ws() noexcept {
    while (p_ < end_ && is_ws(*p_)) ++p_;
  }

  [[nodiscard, gnu::always_inline]] bool at_end() noexcept {
    skip_ws();
    return p_ == end_;
  }

  [[nodiscard, gnu::always_inline]] bool peek(char c) noexcept {
    skip_ws();
    return p_ < end_ && *p_ == c;
  }

  [[nodiscard, gnu::always_inline]] bool take(char c) noexcept {
    if (!peek(c)) return false;
    ++p_;
    return true;
  }

  // The bytes of `text` exactly, e.g. a whole quoted token `"new"` or `null`.
  // `text` is a literal at every call, so the compare inlines.
  [[nodiscard, gnu::always_inline]] bool literal(std::string_view text) noexcept {
    skip_ws();
    if (static_cast<std::size_t>(end_ - p_) < text.size() ||
        std::memcmp(p_, text.data(), text.size()) != 0) {
      return false;
    }
    p_ += text.size();
    return true;
  }

  // `quoted` is the key with its quotes; then the colon. Consumes nothing
  // unless both are there, so a scan may try another key next (`"type"` must
  // not be taken from `"type""timestamp":`, a fuzzer's find).
  [[nodiscard, gnu::always_inline]] bool key(std::string_view quoted) noexcept {
    const char* at = p_;
    if (literal(quoted) && take(':')) return true;
    p_ = at;
    return false;
  }

  // An object whose members may come in any order, each at most once:
  // `member(key_initial())` reads one member (key and value) and returns its
  // bit, or 0 when the key is not one the scan knows or its value is not of
  // the usual form. `seen` gets the bits of the members read.
  template <class Member>
  [[nodiscard, gnu::always_inline]] bool members_once(Member member, unsigned& seen) noexcept {
    seen = 0;
    if (!take('{')) return false;
    do {
      const unsigned bit = member(key_initial());
      if (bit == 0 || (seen & bit) != 0) return false;
      seen |= bit;
    } while (take(','));
    return take('}');
  }

  // The first byte of the key that comes next (0 if no string comes next), so
  // a scan whose keys come in any order dispatches without reading the key
  // twice; the chosen branch then takes the whole key with key().
  [[nodiscard, gnu::always_inline]] char key_initial() noexcept {
    skip_ws();
    return end_ - p_ >= 2 && *p_ == '"' ? p_[1] : '\0';
  }

  // The string "`text`" exactly (`text` already checked to be plain).
  [[nodiscard, gnu::always_inline]] bool same_string(std::string_view text) noexcept {
    if (!take('"') || static_cast<std::size_t>(end_ - p_) < text.size() + 1 ||
        std::memcmp(p_, text.data(), text.size()) != 0 || p_[text.size()] != '"') {
      return false;
    }
    p_ += text.size() + 1;
    return true;
  }

  // A string of printable ASCII without escapes (what the general path reads
  // in place); its contents without the quotes.
  [[nodiscard, gnu::always_inline]] bool plain_string(std::string_view& out) noexcept {
    if (!take('"')) return false;
    const char* start = p_;
    while (p_ < end_ && *p_ != '"') {
      const auto c = static_cast<unsigned char>(*p_);
      if (c < 0x20 || c > 0x7e || c == '\\') return false;
      ++p_;
    }
    if (p_ == end_) return false;
    out = std::string_view(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    return true;
  }

  // A JSON number, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, as its text.
  [[nodiscard, gnu::always_inline]] bool number(std::string_view& out) noexcept {
    skip_ws();
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0') {
      ++p_;
    } else if (!digits()) {
      return false;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digits()) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
    }
    out = std::string_view(start, static_cast<std::size_t>(p_ - start));
    return true;
  }

  // A positive integer of at most 18 digits without a leading zero (every
  // millisecond time; it fits int64). Anything else: the general path.
  [[nodiscard, gnu::always_inline]] bool positive_int(std::int64_t& out) noexcept {
    skip_ws();
    if (p_ == end_ || *p_ < '1' || *p_ > '9') return false;
    std::int64_t v = 0;
    int n = 0;
    for (; p_ < end_ && is_digit(*p_); ++p_, ++n) {
      if (n == 18) return false;
      v = v * 10 + (*p_ - '0');
    }
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    out = v;
    return true;
  }

  // A level's price or size: a JSON number's text or a plain string's
  // contents, what the general path's json::number_text gives.
  [[nodiscard, gnu::always_inline]] bool level_value(std::string_view& out) noexcept {
    return peek('"') ? plain_string(out) : number(out);
  }

  // `[e,...]` of at most `max` elements, `one(k)` reading element k; `n`
  // gets their number.
  template <class One>
  [[nodiscard, gnu::always_inline]] bool elements(std::size_t max, std::size_t& n,
                                                  One one) noexcept {
    n = 0;
    if (!take('[')) return false;
    if (take(']')) return true;
    do {
      if (n == max || !one(n)) return false;
      ++n;
    } while (take(','));
    return take(']');
  }

  // One `[px,qty]` level.
  [[nodiscard, gnu::always_inline]] bool pair(LevelText& level) noexcept {
    return take('[') && level_value(level.px) && take(',') && level_value(level.qty) && take(']');
  }

  // `[[px,qty],...]` (WOO, O2, OX.FUN and others) into `out`, at most `max` levels.
  [[nodiscard, gnu::always_inline]] bool levels(LevelText* out, std::size_t max,
                                                std::size_t& n) noexcept {
    return elements(max, n, [&](std::size_t k) { return pair(out[k]); });
  }

 private:
  static bool is_ws(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

  static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

  // One or more digits. A byte at a time: numbers here are 1-13 digits. An
  // 8-byte SWAR step (Pulse fast path 259-261 against 252-255 ns/frame) and a
  // 32-byte AVX2 run finder (WOO 160 against 127) both measured slower.
  [[gnu::always_inline]] bool digits() noexcept {
    const char* start = p_;
    while (p_ < end_ && is_digit(*p_)) ++p_;
    return p_ != start;
  }

  const char* p_;
  const char* end_;
};

}  // namespace wirebook::feeds::json
