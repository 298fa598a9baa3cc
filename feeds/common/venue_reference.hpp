#pragma once
// The reference data of one venue's instruments and its publication (DESIGN
// §9a): mark price, index price, funding rate and next funding time, open
// interest, each exact fixed point at its own exponent, in the reference slot
// of the instrument's book (slot i belongs to book i) with a REFERENCE event.
//
// Venues send these fields on separate channels (WOO's @markprice and
// @estfundingrate, say), so an update carries some fields and the slot keeps
// the others: VenueReference holds each instrument's merged content and
// republishes it whole. Venue-neutral: feeds reach it through
// VenueBooks::reference.
//
// Threading: owned by one venue thread. publish() never blocks, never throws
// and never allocates (the per-instrument content is sized at construction).
#include <cstdint>
#include <string_view>
#include <vector>

#include <wirebook/shm_layout.hpp>

namespace wirebook::shm {
class VenueWriter;
}

namespace wirebook::feeds {

// The venue's texts of one reference update (JSON number text or string
// contents). An empty view means the update does not carry that field: the
// slot keeps its previous value (or leaves it unknown), never zero.
struct ReferenceText {
  std::string_view mark_price;
  std::string_view index_price;
  std::string_view funding_rate;
  std::string_view open_interest;
  std::int64_t next_funding_ns = 0;  // ns since the Unix epoch; 0: not carried
  // Added to the funding rate's exponent: -2 for a venue that sends the rate
  // as a percent (OCX's funding1hPct), so the slot always holds a fraction.
  int funding_rate_exp_shift = 0;
};

enum class ReferenceResult : std::uint8_t {
  ok = 0,
  bad_number,      // a carried field is not an exact decimal fitting int64: nothing published
  bad_instrument,  // index out of range: nothing published
  empty,           // the update carries no field: nothing published
};
[[nodiscard]] const char* to_string(ReferenceResult r) noexcept;

class VenueReference {
 public:
  // `writer` may be null (tests, replay without publication).
  VenueReference(shm::VenueWriter* writer, std::uint32_t instruments);

  // Converts every carried field first and publishes only when all are good:
  // never a partial update. On bad_number, `bad_field` names the field.
  [[nodiscard]] ReferenceResult publish(std::uint32_t i, const ReferenceText& text,
                                        std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns,
                                        std::int64_t ts_publish_ns,
                                        std::string_view& bad_field) noexcept;

  // Instrument i's merged content as last published (known == 0: none yet).
  [[nodiscard]] const shm::Reference& current(std::uint32_t i) const noexcept {
    return current_[i];
  }

 private:
  shm::VenueWriter* writer_;
  std::vector<shm::Reference> current_;
};

}  // namespace wirebook::feeds
