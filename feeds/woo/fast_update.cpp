#include "feeds/woo/fast_update.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace wirebook::feeds::woo {
namespace {

constexpr std::string_view kUpdateTopic = "orderbookupdate";
// Readable bytes the scan needs after the frame (digits() loads 32 at a time);
// SIMDJSON_PADDING, which every caller gives.
constexpr std::size_t kPadding = 64;

bool is_ws(char c) noexcept {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

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

  // `quoted` is the key with its quotes; then the colon.
  [[nodiscard, gnu::always_inline]] bool key(std::string_view quoted) noexcept {
    skip_ws();
    if (static_cast<std::size_t>(end_ - p_) < quoted.size() ||
        std::memcmp(p_, quoted.data(), quoted.size()) != 0) {
      return false;
    }
    p_ += quoted.size();
    return take(':');
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

  // `[[px,qty],...]` into `out`, at most `max` levels.
  [[nodiscard, gnu::always_inline]] bool levels(LevelText* out, std::size_t max, std::size_t& n) noexcept {
    n = 0;
    if (!take('[')) return false;
    if (take(']')) return true;
    do {
      if (n == max || !take('[') || !number(out[n].px) || !take(',') || !number(out[n].qty) ||
          !take(']')) {
        return false;
      }
      ++n;
    } while (take(','));
    return take(']');
  }

 private:
  // One or more digits. The frame has kPadding readable bytes after its end
  // (checked in scan_v2_update), so a 32-byte load that starts
  // before the end stays inside the buffer; a run that reaches past the end
  // is refused.
  [[gnu::always_inline]] bool digits() noexcept {
    const char* start = p_;
#if defined(__AVX2__)
    const __m256i below = _mm256_set1_epi8('0' - 1);
    const __m256i above = _mm256_set1_epi8('9' + 1);
    while (p_ < end_) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p_));
      const __m256i digit = _mm256_and_si256(_mm256_cmpgt_epi8(v, below), _mm256_cmpgt_epi8(above, v));
      const auto run = static_cast<unsigned>(std::countr_one(
          static_cast<std::uint32_t>(_mm256_movemask_epi8(digit))));
      p_ += run;
      if (run < 32) break;
    }
    if (p_ > end_) return false;
#else
    while (p_ < end_ && is_digit(*p_)) ++p_;
#endif
    return p_ != start;
  }

  const char* p_;
  const char* end_;
};

// "SYM@orderbookupdate" with exactly one '@' and a non-empty symbol.
bool update_topic(std::string_view topic, std::string_view& symbol) noexcept {
  const auto at = topic.find('@');
  if (at == 0 || at == std::string_view::npos || topic.substr(at + 1) != kUpdateTopic) {
    return false;
  }
  symbol = topic.substr(0, at);
  return true;
}

// out = Message{} with vector stores: GCC writes that as `rep stosq`, whose
// start-up alone costs about as much as scanning a short frame.
void clear_message(Message& out) noexcept {
#if defined(__AVX2__)
  static_assert(std::is_trivially_copyable_v<Message>);
  static const Message kEmpty{};
  constexpr std::size_t kChunk = 32;
  auto* to = reinterpret_cast<unsigned char*>(&out);
  const auto* from = reinterpret_cast<const unsigned char*>(&kEmpty);
  std::size_t k = 0;
  for (; k + kChunk <= sizeof(Message); k += kChunk) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + k),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + k)));
  }
  if (k < sizeof(Message)) std::memcpy(to + k, from + k, sizeof(Message) - k);
#else
  out = Message{};
#endif
}

}  // namespace

bool scan_v2_update(const char* data, std::size_t len, std::size_t capacity, LevelText* bids,
                    LevelText* asks, std::size_t max_levels, Message& out) noexcept {
  if (capacity < len || capacity - len < kPadding) return false;
  Cursor c(data, len);
  std::string_view topic;
  std::string_view symbol;
  std::int64_t ts = 0;
  std::int64_t prev_ts = 0;
  std::size_t na = 0;
  std::size_t nb = 0;
  const bool usual = c.take('{') && c.key("\"topic\"") && c.plain_string(topic) &&
                     update_topic(topic, symbol) && c.take(',') && c.key("\"ts\"") &&
                     c.positive_int(ts) && c.take(',') && c.key("\"data\"") && c.take('{') &&
                     c.key("\"symbol\"") && c.same_string(symbol) &&
                     c.take(',') && c.key("\"prevTs\"") && c.positive_int(prev_ts) &&
                     c.take(',') && c.key("\"asks\"") && c.levels(asks, max_levels, na) &&
                     c.take(',') && c.key("\"bids\"") && c.levels(bids, max_levels, nb) &&
                     c.take('}') && c.take('}') && c.at_end();
  if (!usual) return false;
  clear_message(out);
  out.kind = MsgKind::book_update;
  out.symbol = symbol;
  out.ts_ms = ts;
  out.prev_ts_ms = prev_ts;
  out.has_prev_ts = true;
  out.bids = {bids, nb};
  out.asks = {asks, na};
  return true;
}

}  // namespace wirebook::feeds::woo
