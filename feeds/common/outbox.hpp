#pragma once
// Where a feed's session logic sends its control frames (subscribe, snapshot
// requests, pings) and its REST GETs. The sessions and the HTTPS worker
// implement them; tests record what is sent.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wirebook::feeds {

// What a venue's feed tells its session after a frame or timer tick.
enum class FeedAction : std::uint8_t { none, reconnect };

class Outbox {
 public:
  virtual ~Outbox() = default;
  // Queues one text frame. Cold-ish path (control traffic only).
  virtual void send_text(std::string_view frame) = 0;
};

// Where a feed sends REST GETs (the HTTPS worker, https_client.hpp). Replies
// come back through RestReplies with the same tag.
class RestOutbox {
 public:
  virtual ~RestOutbox() = default;
  // Queues GET `target` (path and query). False when it cannot be queued now.
  virtual bool get(std::string_view target, std::uint64_t tag) = 0;
};

// The receiving side: one reply per queued GET (http_status 0: transport
// failure). `data` has `capacity` >= len + SIMDJSON_PADDING bytes.
class RestReplies {
 public:
  virtual ~RestReplies() = default;
  virtual void on_rest_reply(std::uint64_t tag, int http_status, const char* data, std::size_t len,
                             std::size_t capacity, std::int64_t recv_realtime_ns,
                             std::int64_t recv_mono_ns) noexcept = 0;
};

}  // namespace wirebook::feeds
