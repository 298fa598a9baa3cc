#include "feeds/common/venue_reference.hpp"

#include <array>

#include <wirebook/reader.hpp>

#include "feeds/common/exact_field.hpp"
#include "shm/writer.hpp"

namespace wirebook::feeds {

namespace {

using shm::ReferenceField;

struct FieldText {
  ReferenceField field;
  std::string_view text;
};

std::array<FieldText, 4> decimal_fields(const ReferenceText& t) noexcept {
  return {{{ReferenceField::mark_price, t.mark_price},
           {ReferenceField::index_price, t.index_price},
           {ReferenceField::funding_rate, t.funding_rate},
           {ReferenceField::open_interest, t.open_interest}}};
}

}  // namespace

const char* to_string(ReferenceResult r) noexcept {
  switch (r) {
    case ReferenceResult::ok:
      return "ok";
    case ReferenceResult::bad_number:
      return "bad number";
    case ReferenceResult::bad_instrument:
      return "bad instrument";
    case ReferenceResult::empty:
      return "no field";
  }
  return "unknown";
}

VenueReference::VenueReference(shm::VenueWriter* writer, std::uint32_t instruments)
    : writer_(writer), current_(instruments) {}

ReferenceResult VenueReference::publish(std::uint32_t i, const ReferenceText& text,
                                        std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns,
                                        std::int64_t ts_publish_ns,
                                        std::string_view& bad_field) noexcept {
  if (i >= current_.size()) return ReferenceResult::bad_instrument;
  shm::Reference update;  // the carried fields only
  for (const FieldText& f : decimal_fields(text)) {
    if (f.text.empty()) continue;
    std::int64_t v = 0;
    std::int8_t e = 0;
    const int shift = f.field == ReferenceField::funding_rate ? text.funding_rate_exp_shift : 0;
    if (!exact_field(f.text, v, e) || e + shift < -127 || e + shift > 127) {
      bad_field = shm::to_string(f.field);
      return ReferenceResult::bad_number;
    }
    update.set(f.field, v, e + shift);
  }
  if (text.next_funding_ns != 0)
    update.set(ReferenceField::next_funding_time, text.next_funding_ns, 0);
  if (update.known == 0) return ReferenceResult::empty;
  shm::Reference& r = current_[i];
  for (std::size_t f = 0; f < shm::kReferenceFields; ++f) {
    const auto field = static_cast<ReferenceField>(f);
    if (update.has(field)) r.set(field, update.raw(field), update.exponent(field));
  }
  r.ts_exchange_ns = ts_exchange_ns;
  r.ts_recv_ns = ts_recv_ns;
  r.ts_publish_ns = ts_publish_ns;
  if (writer_ != nullptr) (void)writer_->publish_reference(i, r);
  return ReferenceResult::ok;
}

}  // namespace wirebook::feeds
