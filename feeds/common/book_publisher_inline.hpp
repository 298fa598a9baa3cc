#pragma once
// BookPublisher's per-level method, inline so VenueBooks' per-level loops
// carry no call (book_publisher.hpp says why this is a separate header).
// Included by feeds/common's sources only: it brings in shm/.
#include "feeds/common/book_publisher.hpp"
#include "shm/writer.hpp"

namespace wirebook::feeds {

inline void BookPublisher::level(std::uint32_t i, book::Side side, Exponents e, std::int64_t px,
                                 std::int64_t qty, std::int64_t ts_exchange_ns,
                                 std::int64_t ts_recv_ns) noexcept {
  if (writer_ == nullptr) return;
  shm::Event ev;
  ev.type = shm::EventType::level;
  ev.side = static_cast<std::uint8_t>(side);
  ev.px_exp = static_cast<std::int8_t>(e.px);
  ev.qty_exp = static_cast<std::int8_t>(e.qty);
  ev.instrument = i;
  ev.ts_exchange_ns = ts_exchange_ns;
  ev.ts_recv_ns = ts_recv_ns;
  ev.px = px;
  ev.qty = qty;
  (void)writer_->append(ev);
}

}  // namespace wirebook::feeds
