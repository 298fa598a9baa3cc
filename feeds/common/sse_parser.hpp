#pragma once
// Incremental Server-Sent Events parser (WHATWG HTML "event stream
// interpretation"), venue-neutral: bytes in, events and comments out.
//
// * Lines end with CRLF, LF or CR, and may be split anywhere across chunks
//   (a CR at the end of one chunk and the LF at the start of the next are one
//   line end).
// * `event:` names the event (default "message"), `data:` lines are joined
//   with LF, `id:` sets the last event id (kept across events), `retry:`
//   (digits only) sets the reconnection time; one space after the colon is
//   dropped; other fields are ignored. A blank line dispatches the event when
//   it has data; an event without data lines is discarded (the spec's rule).
// * A line starting with `:` is a comment: the venues' heartbeat.
// * Bounds: a line longer than `max_line_bytes` or an event whose data grows
//   past `max_event_bytes` stops the parser with an error (the session counts
//   it and reconnects; the stream cannot be trusted to resynchronise).
//
// The event's data is handed out contiguous, followed by at least
// kSsePadding (>= SIMDJSON_PADDING) readable bytes, so a JSON parser reads it
// in place. It is copied once into a buffer the parser owns and reuses
// (amortised: no allocation once it has grown to the largest event).
//
// Threading: one thread (the session's); not thread-safe.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wirebook::feeds {

// simdjson reads up to 64 bytes past the end of a document.
inline constexpr std::size_t kSsePadding = 64;

// One dispatched event. Views are valid only during the callback.
struct SseEvent {
  std::string_view type;       // "message" when the event named none
  std::string_view id;         // the last event id seen on the stream (may be empty)
  bool id_in_event = false;    // this event's own lines set `id` (else it is an earlier one)
  const char* data = nullptr;  // joined data lines, no trailing LF
  std::size_t len = 0;
  std::size_t capacity = 0;  // readable bytes from `data`: >= len + kSsePadding
};

// Where a parser delivers. Returning false from on_event stops the current
// feed() call (the caller is about to drop the stream).
class SseSink {
 public:
  virtual ~SseSink() = default;
  virtual bool on_event(const SseEvent& event) noexcept = 0;
  virtual void on_comment(std::string_view text) noexcept = 0;
};

struct SseLimits {
  std::size_t max_line_bytes = 1U << 20U;
  std::size_t max_event_bytes = 16U << 20U;
};

enum class SseStatus : std::uint8_t { ok, stopped, line_too_long, event_too_big };
[[nodiscard]] const char* to_string(SseStatus s) noexcept;

class SseParser {
 public:
  explicit SseParser(SseLimits limits = {});

  // Parses `n` bytes, calling `sink` for every complete event and comment.
  // After an error the parser must be reset() before it is fed again.
  [[nodiscard]] SseStatus feed(const char* bytes, std::size_t n, SseSink& sink) noexcept;
  // Forgets any partial line and event and the last id (a new connection).
  void reset() noexcept;

  // The latest valid `retry:` value in ms (-1: none seen).
  [[nodiscard]] std::int64_t retry_ms() const noexcept { return retry_ms_; }
  [[nodiscard]] std::string_view last_event_id() const noexcept { return last_id_; }
  [[nodiscard]] std::uint64_t events() const noexcept { return events_; }
  [[nodiscard]] std::uint64_t comments() const noexcept { return comments_; }

 private:
  // One complete line (without its line end). False: stop (status set).
  [[nodiscard]] bool on_line(std::string_view line, SseSink& sink) noexcept;
  [[nodiscard]] bool dispatch(SseSink& sink) noexcept;
  [[nodiscard]] bool append_data(std::string_view value) noexcept;
  void on_field(std::string_view name, std::string_view value) noexcept;

  SseLimits limits_;
  std::vector<char> partial_;  // an unterminated line carried to the next chunk
  std::vector<char> data_;     // the event's joined data plus padding
  std::size_t data_len_ = 0;
  bool has_data_ = false;
  bool id_in_event_ = false;
  bool skip_lf_ = false;  // the previous chunk ended in CR
  SseStatus status_ = SseStatus::ok;
  std::string type_;
  std::string last_id_;
  std::int64_t retry_ms_ = -1;
  std::uint64_t events_ = 0;
  std::uint64_t comments_ = 0;
};

}  // namespace wirebook::feeds
