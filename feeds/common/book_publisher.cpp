#include "feeds/common/book_publisher.hpp"

#include "feeds/common/book_publisher_inline.hpp"
#include "feeds/common/venue_books.hpp"
#include "shm/consolidated_writer.hpp"
#include "shm/writer.hpp"

namespace wirebook::feeds {
namespace {

// BookStatus mirrors shm::Status value for value (venue_books.hpp).
shm::Status to_shm(BookStatus s) noexcept {
  return static_cast<shm::Status>(s);
}

shm::Event event(shm::EventType type, std::uint32_t i, std::int64_t ts_exchange_ns,
                 std::int64_t ts_recv_ns) noexcept {
  shm::Event ev;
  ev.type = type;
  ev.instrument = i;
  ev.ts_exchange_ns = ts_exchange_ns;
  ev.ts_recv_ns = ts_recv_ns;
  return ev;
}

}  // namespace

std::int64_t BookPublisher::book(std::uint32_t i, const book::L2Book& b, BookStatus status,
                                 Exponents e, std::int64_t ts_exchange_ns,
                                 std::int64_t ts_recv_ns) noexcept {
  if (writer_ == nullptr) return 0;
  shm::BookMeta meta;
  meta.status = to_shm(status);
  meta.px_exp = static_cast<std::int8_t>(e.px);
  meta.qty_exp = static_cast<std::int8_t>(e.qty);
  meta.ts_exchange_ns = ts_exchange_ns;
  meta.ts_recv_ns = ts_recv_ns;
  meta.ts_publish_ns = clock_.now();
  (void)writer_->publish(i, b, meta);
  if (lines_ != nullptr) {
    lines_->publish(i, b,
                    shm::LineMeta{meta.status, shm::kFlagNone, meta.px_exp, meta.qty_exp,
                                  ts_exchange_ns, ts_recv_ns, meta.ts_publish_ns});
  }
  return meta.ts_publish_ns;
}

void BookPublisher::snapshot_begin(std::uint32_t i, std::uint64_t version,
                                   std::int64_t ts_recv_ns) noexcept {
  if (writer_ == nullptr) return;
  shm::Event ev = event(shm::EventType::snapshot_begin, i, 0, ts_recv_ns);
  ev.aux0 = static_cast<std::int64_t>(version);
  (void)writer_->append(ev);
}

void BookPublisher::snapshot_end(std::uint32_t i, std::uint64_t version,
                                 std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns) noexcept {
  if (writer_ == nullptr) return;
  shm::Event ev = event(shm::EventType::snapshot_end, i, ts_exchange_ns, ts_recv_ns);
  ev.aux0 = static_cast<std::int64_t>(version);
  (void)writer_->append(ev);
}

void BookPublisher::status_event(std::uint32_t i, BookStatus status,
                                 std::int64_t ts_recv_ns) noexcept {
  if (writer_ == nullptr) return;
  shm::Event ev = event(shm::EventType::status, i, 0, ts_recv_ns);
  ev.aux0 = static_cast<std::int64_t>(status);
  (void)writer_->append(ev);
}

void BookPublisher::status_now(std::uint32_t i, BookStatus status, std::int64_t now_ns) noexcept {
  if (writer_ == nullptr) return;
  (void)writer_->set_status(i, to_shm(status), now_ns);
  if (lines_ != nullptr) lines_->set_status(i, to_shm(status), now_ns);
}

void BookPublisher::gap(std::uint32_t i, std::int64_t expected, std::int64_t received,
                        std::int64_t now_ns) noexcept {
  if (writer_ == nullptr) return;
  shm::Event ev = event(shm::EventType::gap, i, 0, now_ns);
  ev.aux0 = expected;
  ev.aux1 = received;
  (void)writer_->append(ev);
}

void BookPublisher::trade(std::uint32_t i, book::Side aggressor, Exponents e, std::int64_t px,
                          std::int64_t qty, std::int64_t ts_exchange_ns,
                          std::int64_t ts_recv_ns) noexcept {
  if (writer_ == nullptr) return;
  shm::Event ev = event(shm::EventType::trade, i, ts_exchange_ns, ts_recv_ns);
  ev.side = static_cast<std::uint8_t>(aggressor);
  ev.px_exp = static_cast<std::int8_t>(e.px);
  ev.qty_exp = static_cast<std::int8_t>(e.qty);
  ev.px = px;
  ev.qty = qty;
  (void)writer_->append(ev);
}

void BookPublisher::bbo(std::uint32_t i, Exponents e, std::int64_t bid_px, std::int64_t bid_qty,
                        std::int64_t ask_px, std::int64_t ask_qty, std::int64_t ts_exchange_ns,
                        std::int64_t ts_recv_ns) noexcept {
  if (writer_ == nullptr) return;
  shm::Event ev = event(shm::EventType::bbo, i, ts_exchange_ns, ts_recv_ns);
  ev.px_exp = static_cast<std::int8_t>(e.px);
  ev.qty_exp = static_cast<std::int8_t>(e.qty);
  ev.px = bid_px;
  ev.qty = bid_qty;
  ev.aux0 = ask_px;
  ev.aux1 = ask_qty;
  (void)writer_->append(ev);
}

}  // namespace wirebook::feeds
