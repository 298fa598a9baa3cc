#include "feeds/common/venue_positions.hpp"

#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "feeds/common/exact_field.hpp"
#include "feeds/common/printable_text.hpp"
#include "shm/writer.hpp"

namespace wirebook::feeds {

namespace {

using shm::PositionField;

struct FieldText {
  PositionField field;
  std::string_view text;
};

std::array<FieldText, shm::kPositionFields> fields_of(const PositionText& t) noexcept {
  return {{{PositionField::quantity, t.quantity},
           {PositionField::entry_price, t.entry_price},
           {PositionField::pnl, t.pnl},
           {PositionField::liquidation_price, t.liquidation_price},
           {PositionField::margin, t.margin},
           {PositionField::leverage, t.leverage}}};
}

const char* field_name(PositionField f) noexcept {
  static constexpr const char* kNames[] = {"quantity",          "entry_price", "pnl",
                                           "liquidation_price", "margin",      "leverage"};
  return kNames[static_cast<std::size_t>(f)];
}

}  // namespace

const char* to_string(PositionResult r) noexcept {
  switch (r) {
    case PositionResult::ok:
      return "ok";
    case PositionResult::bad_number:
      return "bad number";
    case PositionResult::section_full:
      return "positions section full";
    case PositionResult::bad_instrument:
      return "bad instrument name";
  }
  return "unknown";
}

VenuePositions::VenuePositions(shm::VenueWriter* writer, std::uint32_t capacity)
    : writer_(writer), capacity_(capacity), index_(std::vector<std::string>{}, capacity) {}

PositionResult VenuePositions::publish(std::string_view instrument, const PositionText& text,
                                       std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns,
                                       std::int64_t ts_publish_ns) noexcept {
  if (instrument.empty() || instrument.size() >= shm::kSymbolLen) {
    problem(PositionResult::bad_instrument, instrument, "", "");
    return PositionResult::bad_instrument;
  }
  shm::Position p;
  for (const FieldText& f : fields_of(text)) {
    if (f.text.empty()) continue;  // not sent: stays unknown
    const auto k = static_cast<std::size_t>(f.field);
    if (!exact_field(f.text, p.value[k], p.exp[k])) {
      problem(PositionResult::bad_number, instrument, field_name(f.field), f.text);
      return PositionResult::bad_number;
    }
    p.known = static_cast<std::uint16_t>(p.known | shm::Position::bit(f.field));
  }
  const int slot = assign(instrument);
  if (slot < 0) {
    problem(PositionResult::section_full, instrument, "", "");
    return PositionResult::section_full;
  }
  std::memcpy(p.instrument, instrument.data(), instrument.size());
  p.ts_exchange_ns = ts_exchange_ns;
  p.ts_recv_ns = ts_recv_ns;
  p.ts_publish_ns = ts_publish_ns;
  if (writer_ != nullptr) (void)writer_->publish_position(static_cast<std::uint32_t>(slot), p);
  return PositionResult::ok;
}

// The slot of a known instrument (no allocation), or the next free one.
int VenuePositions::assign(std::string_view instrument) noexcept {
  if (const int known = index_.find(instrument); known >= 0) return known;
  try {
    return index_.add(instrument);
  } catch (const std::bad_alloc&) {
    return -1;  // no memory for the name: as good as full, and counted
  }
}

// Keeps the text for the cold tick: "<what>: '<instrument>' [in <field>: '<text>']".
void VenuePositions::problem(PositionResult r, std::string_view instrument, std::string_view field,
                             std::string_view text) noexcept {
  std::size_t n = 0;
  const auto put = [&](std::string_view part) { put_printable(last_problem_, n, part); };
  put(to_string(r));
  put(": '");
  put(instrument.substr(0, 64));
  put("'");
  if (!field.empty()) {
    put(" in ");
    put(field);
    put(": '");
    put(text.substr(0, 40));
    put("'");
  }
  last_problem_len_ = n;
  problems_.store(problems_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace wirebook::feeds
