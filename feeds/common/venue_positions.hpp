#pragma once
// The account positions of one venue and their publication (DESIGN.md §9a).
//
// VenuePositions assigns each instrument a slot of the segment's positions
// section the first time a position for it arrives (positions may be in
// markets the config does not subscribe to), converts the venue's decimal
// texts to fixed point exactly, each with its own exponent, and publishes the
// position with its POSITION event. It is venue-neutral: OX.FUN, OCX and WOO
// feeds reach it through VenueBooks::position.
//
// Threading: owned by one venue thread (with its VenueBooks). publish() never
// blocks, never throws and allocates only when an instrument is seen for the
// first time (its name, once); lookups of known instruments allocate nothing.
// problems() is a relaxed atomic and last_problem() is read by the venue
// thread, so the venue thread's cold tick can log them.
#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "feeds/common/symbol_index.hpp"

namespace wirebook::shm {
class VenueWriter;
}

namespace wirebook::feeds {

// The venue's decimal texts of one position (JSON number text or string
// contents). An empty view means the venue did not send that field: it is
// published as unknown, never as zero.
struct PositionText {
  std::string_view quantity;  // signed: long > 0 > short
  std::string_view entry_price;
  std::string_view pnl;
  std::string_view liquidation_price;
  std::string_view margin;
  std::string_view leverage;
};

enum class PositionResult : std::uint8_t {
  ok = 0,
  bad_number,      // a field's text is not an exact decimal that fits int64: nothing published
  section_full,    // a new instrument and every slot is taken: nothing published
  bad_instrument,  // empty name, or longer than the segment holds (47 bytes): nothing published
};
[[nodiscard]] const char* to_string(PositionResult r) noexcept;

class VenuePositions {
 public:
  // `writer` may be null (tests, replay without publication); `capacity` is
  // the writer's position capacity then, else the number of slots to track.
  VenuePositions(shm::VenueWriter* writer, std::uint32_t capacity);

  // Converts every field first and publishes only a complete position.
  [[nodiscard]] PositionResult publish(std::string_view instrument, const PositionText& text,
                                       std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns,
                                       std::int64_t ts_publish_ns) noexcept;

  // Slot of `instrument`, or -1 when no position for it was published yet.
  [[nodiscard]] int slot(std::string_view instrument) const noexcept {
    return index_.find(instrument);
  }
  [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::uint32_t size() const noexcept {
    return static_cast<std::uint32_t>(index_.size());
  }

  // Rejected positions so far (bad numbers, bad names, a full section) and
  // the text of the last one ("" when none); for the venue thread's cold tick.
  [[nodiscard]] std::uint64_t problems() const noexcept {
    return problems_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::string_view last_problem() const noexcept {
    return {last_problem_.data(), last_problem_len_};
  }

 private:
  [[nodiscard]] int assign(std::string_view instrument) noexcept;
  void problem(PositionResult r, std::string_view instrument, std::string_view field,
               std::string_view text) noexcept;

  shm::VenueWriter* writer_;
  std::uint32_t capacity_;
  SymbolIndex index_;  // instrument -> slot; slots are never released
  std::atomic<std::uint64_t> problems_{0};
  std::array<char, 160> last_problem_{};
  std::size_t last_problem_len_ = 0;
};

}  // namespace wirebook::feeds
