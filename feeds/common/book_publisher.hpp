#pragma once
// Publication of one venue's books and events to its shared-memory segment
// (DESIGN.md §4, §6): book slots, statuses and ring events, each stamped with
// the publish time. This is the only part of VenueBooks that touches shm/;
// VenueBooks decides what changed, the publisher writes it.
//
// The declaration keeps shm/ headers out of the venue adapters (they include
// venue_books.hpp). The per-level event is on the hot path and is defined
// inline in book_publisher_inline.hpp, which only feeds/common's own sources
// include; the rest is in book_publisher.cpp.
//
// A null writer publishes nothing (tests, replay without publication).
// Threading: one venue thread; nothing blocks, throws or allocates.
#include <cstdint>

#include "book/l2_book.hpp"
#include "feeds/common/clock.hpp"

namespace wirebook::shm {
class VenueWriter;
class MemberLines;
}  // namespace wirebook::shm

namespace wirebook::feeds {

enum class BookStatus : std::uint8_t;

// The exponents a book's or an event's integers are at.
struct Exponents {
  int px = 0;
  int qty = 0;
};

class BookPublisher {
 public:
  explicit BookPublisher(shm::VenueWriter* writer) noexcept : writer_(writer) {}

  [[nodiscard]] shm::VenueWriter* writer() const noexcept { return writer_; }
  // The venue's lines in the consolidated segment (null: none): every book
  // publication and status change of a member book rewrites its lines.
  void set_member_lines(shm::MemberLines* lines) noexcept { lines_ = lines; }
  // CLOCK_REALTIME in ns through the TSC (clock.hpp): every publish stamp.
  [[nodiscard]] std::int64_t now() noexcept { return clock_.now(); }

  // A level change applied to book i (LEVEL event). Inline: per level.
  inline void level(std::uint32_t i, book::Side side, Exponents e, std::int64_t px,
                    std::int64_t qty, std::int64_t ts_exchange_ns,
                    std::int64_t ts_recv_ns) noexcept;
  // The book's slot with its status and exponents; returns the publish stamp
  // (0 without a writer).
  std::int64_t book(std::uint32_t i, const book::L2Book& b, BookStatus status, Exponents e,
                    std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns) noexcept;
  // SNAPSHOT_BEGIN / SNAPSHOT_END events carrying the book's version.
  void snapshot_begin(std::uint32_t i, std::uint64_t version, std::int64_t ts_recv_ns) noexcept;
  void snapshot_end(std::uint32_t i, std::uint64_t version, std::int64_t ts_exchange_ns,
                    std::int64_t ts_recv_ns) noexcept;
  // A STATUS event (after a book publication that changed the status).
  void status_event(std::uint32_t i, BookStatus status, std::int64_t ts_recv_ns) noexcept;
  // A status change on its own: a STATUS event and the slot republished with it.
  void status_now(std::uint32_t i, BookStatus status, std::int64_t now_ns) noexcept;
  // A GAP event with the venue's expected and received chain ids.
  void gap(std::uint32_t i, std::int64_t expected, std::int64_t received,
           std::int64_t now_ns) noexcept;
  void trade(std::uint32_t i, book::Side aggressor, Exponents e, std::int64_t px, std::int64_t qty,
             std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns) noexcept;
  void bbo(std::uint32_t i, Exponents e, std::int64_t bid_px, std::int64_t bid_qty,
           std::int64_t ask_px, std::int64_t ask_qty, std::int64_t ts_exchange_ns,
           std::int64_t ts_recv_ns) noexcept;

 private:
  shm::VenueWriter* writer_;
  shm::MemberLines* lines_ = nullptr;
  TscRealtime clock_;
};

}  // namespace wirebook::feeds
