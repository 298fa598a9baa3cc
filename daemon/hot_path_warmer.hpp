#pragma once
// Keeps a spinning venue thread's hot path warm while no frame arrives
// (README "Idle strategies"): every `interval` without an event, the venue's
// own parser runs over a copy of a recent frame, the books' top levels are
// read and the shared-memory lines the next publications write are
// prefetched, so the frame that ends a quiet spell finds the parser's code,
// its branch history, the books and the slots in cache. Nothing is published.
//
// A FrameHandler in front of the feed: it keeps a copy of one frame a second
// (one time comparison per frame otherwise) and forwards every call.
// Venue thread only.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "feeds/common/session.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/common/venue_module.hpp"

namespace wirebook::shm {
class VenueWriter;
}

namespace wirebook::daemon {

class HotPathWarmer final : public feeds::FrameHandler {
 public:
  // `writer` may be null (no shared memory to warm).
  HotPathWarmer(feeds::FrameHandler& inner, std::unique_ptr<feeds::MessageParser> parser,
                const feeds::VenueBooks& books, const shm::VenueWriter* writer,
                std::int64_t interval_ns);

  // Called by the idle loop after a turn that ran no handler; warms the hot
  // path when `interval` passed since the last event or warming.
  void on_idle_turn(std::int64_t now_mono_ns) noexcept;
  // A turn ran handlers: the next warming waits a full interval.
  void on_busy_turn(std::int64_t now_mono_ns) noexcept { last_ns_ = now_mono_ns; }
  [[nodiscard]] std::uint64_t warmings() const noexcept { return warmings_; }

  void on_open(std::int64_t now) override { inner_.on_open(now); }
  void on_close(std::int64_t now) override { inner_.on_close(now); }
  bool on_frame(const char* data, std::size_t len, std::size_t capacity, std::int64_t recv_rt_ns,
                std::int64_t recv_mono_ns) noexcept override;
  bool on_timer(std::int64_t now) noexcept override { return inner_.on_timer(now); }
  [[nodiscard]] std::vector<std::string> stream_targets() const override {
    return inner_.stream_targets();
  }
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> stream_headers(
      std::size_t stream) const override {
    return inner_.stream_headers(stream);
  }
  [[nodiscard]] bool stream_enabled(std::size_t stream) const noexcept override {
    return inner_.stream_enabled(stream);
  }
  void on_stream_open(std::size_t stream, std::int64_t now) override {
    inner_.on_stream_open(stream, now);
  }
  void on_stream_close(std::size_t stream, std::int64_t now) override {
    inner_.on_stream_close(stream, now);
  }
  bool on_stream_event(std::size_t stream, const feeds::SseEvent& event, std::int64_t recv_rt_ns,
                       std::int64_t recv_mono_ns) noexcept override;
  void on_stream_refused(std::size_t stream, unsigned http_status) noexcept override {
    inner_.on_stream_refused(stream, http_status);
  }
  void on_stream_comment(std::size_t stream, std::string_view text,
                         std::int64_t recv_mono_ns) noexcept override {
    inner_.on_stream_comment(stream, text, recv_mono_ns);
  }
  bool on_stream_timer(std::size_t stream, std::int64_t now) noexcept override {
    return inner_.on_stream_timer(stream, now);
  }

 private:
  void keep_sample(std::string_view event_type, const char* data, std::size_t len,
                   std::int64_t now_mono_ns) noexcept;
  void warm() noexcept;

  feeds::FrameHandler& inner_;
  std::unique_ptr<feeds::MessageParser> parser_;
  const feeds::VenueBooks& books_;
  const shm::VenueWriter* writer_;
  std::int64_t interval_ns_;
  std::int64_t last_ns_ = 0;      // last event or warming
  std::int64_t sampled_ns_ = -1;  // when the sample was copied (-1: none yet)
  std::vector<char> sample_;      // a recent message, with simdjson's padding
  std::size_t sample_len_ = 0;
  std::string sample_type_;  // its SSE event type (empty for WebSocket frames)
  std::uint64_t warmings_ = 0;
  std::int64_t sink_ = 0;  // keeps the warming reads from being optimised away
};

}  // namespace wirebook::daemon
