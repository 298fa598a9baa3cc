#pragma once
// Where a feed's session logic sends its control frames (subscribe, snapshot
// requests, pings). The websocket session implements it; tests record frames.
#include <string_view>

namespace wirebook::feeds {

class Outbox {
 public:
  virtual ~Outbox() = default;
  // Queues one text frame. Cold-ish path (control traffic only).
  virtual void send_text(std::string_view frame) = 0;
};

}  // namespace wirebook::feeds
