#pragma once
// Keeps a spinning venue thread's hot path warm while no frame arrives
// (README "Idle strategies"): every `interval` without an event,
// - the venue's own parser runs over a copy of a recent frame;
// - the feed's own state is prefetched (FrameHandler::warm: the feed object,
//   its sequencer's state, its parser and the parser's level arrays);
// - the books are warmed (VenueBooks::warm: lookups, counters, instrument
//   state) and as many top levels read as a publication copies;
// - the shared-memory lines the next publications write are prefetched;
// - one level change is applied to a scratch book and published into a
//   scratch segment (ScratchBook).
// So the frame that ends a quiet spell finds the parser's, the book's and the
// publisher's code and branch history, the feed's state, the books and the
// slots in cache. Nothing is published to readers.
//
// A FrameHandler in front of the feed: it keeps a copy of one frame a second
// (one time comparison per frame otherwise) and forwards every call.
// Venue thread only.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "feeds/common/forwarding_handler.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/common/venue_module.hpp"

namespace wirebook::shm {
class VenueWriter;
}

namespace wirebook::daemon {

class ScratchBook;

class HotPathWarmer final : public feeds::ForwardingHandler {
 public:
  // Frames and SSE events longer than this are never kept as the sample (the
  // next one is): the buffer is allocated once, here, never on the frame path.
  static constexpr std::size_t kMaxSampleBytes = 64 * 1024;
  static constexpr std::size_t kMaxSampleTypeBytes = 64;

  // `writer` may be null (no shared memory to warm, no scratch book).
  HotPathWarmer(feeds::FrameHandler& inner, std::unique_ptr<feeds::MessageParser> parser,
                const feeds::VenueBooks& books, const shm::VenueWriter* writer,
                std::int64_t interval_ns);
  ~HotPathWarmer() override;
  HotPathWarmer(const HotPathWarmer&) = delete;
  HotPathWarmer& operator=(const HotPathWarmer&) = delete;

  // Called by the idle loop after a turn that ran no handler; warms the hot
  // path when `interval` passed since the last busy turn or warming.
  void on_idle_turn(std::int64_t now_mono_ns) noexcept;
  // A turn ran handlers (every frame arrives in one): the next warming waits
  // a full interval.
  void on_busy_turn(std::int64_t now_mono_ns) noexcept { last_ns_ = now_mono_ns; }
  [[nodiscard]] std::uint64_t warmings() const noexcept { return warmings_; }
  // Publications into the scratch segment (0 when it could not be made).
  [[nodiscard]] std::uint64_t scratch_publications() const noexcept;

  bool on_frame(const char* data, std::size_t len, std::size_t capacity, std::int64_t recv_rt_ns,
                std::int64_t recv_mono_ns) noexcept override;
  bool on_stream_event(std::size_t stream, const feeds::SseEvent& event, std::int64_t recv_rt_ns,
                       std::int64_t recv_mono_ns) noexcept override;

 private:
  void keep_sample(std::string_view event_type, const char* data, std::size_t len,
                   std::int64_t now_mono_ns) noexcept;
  void warm() noexcept;

  std::unique_ptr<feeds::MessageParser> parser_;
  const feeds::VenueBooks& books_;
  const shm::VenueWriter* writer_;
  std::int64_t interval_ns_;
  std::int64_t last_ns_ = 0;      // last busy turn or warming
  std::int64_t sampled_ns_ = -1;  // when the sample was copied (-1: none yet)
  std::vector<char> sample_;      // a recent message, with simdjson's padding
  std::size_t sample_len_ = 0;
  std::string sample_type_;  // its SSE event type (empty for WebSocket frames)
  std::uint64_t warmings_ = 0;
  std::int64_t sink_ = 0;                 // keeps the warming reads from being optimised away
  std::unique_ptr<ScratchBook> scratch_;  // null: no writer, or its segment failed
};

}  // namespace wirebook::daemon
