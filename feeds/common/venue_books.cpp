#include "feeds/common/venue_books.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "book/decimal.hpp"
#include "book/decimal_simd.hpp"
#include "feeds/common/book_publisher_inline.hpp"
#include "feeds/common/printable_text.hpp"
#include "shm/prefetch.hpp"
#include "shm/writer.hpp"

namespace wirebook::feeds {

const char* to_string(BookStatus s) noexcept {
  switch (s) {
    case BookStatus::syncing:
      return "syncing";
    case BookStatus::live:
      return "live";
    case BookStatus::stale:
      return "stale";
    case BookStatus::resyncing:
      return "resyncing";
    case BookStatus::disconnected:
      return "disconnected";
  }
  return "unknown";
}

struct VenueBooks::Instrument {
  Instrument(std::size_t max_levels, std::size_t buffer_ops, int px, int qty)
      : book(max_levels), px_exp(px), qty_exp(qty), buffer(buffer_ops) {}
  book::L2Book book;
  BookStatus status = BookStatus::syncing;
  int px_exp;
  int qty_exp;
  DeltaBuffer buffer;
  std::uint64_t evictions_seen = 0;
};

namespace {

std::uint32_t position_capacity(const shm::VenueWriter* writer) noexcept {
  return writer != nullptr ? writer->position_capacity() : shm::kDefaultPositionCapacity;
}

std::vector<std::string> symbols_of(const std::vector<InstrumentSpec>& specs) {
  std::vector<std::string> out;
  out.reserve(specs.size());
  for (const auto& s : specs) out.push_back(s.symbol);
  return out;
}

}  // namespace

VenueBooks::VenueBooks(std::vector<InstrumentSpec> instruments, std::size_t max_levels,
                       std::size_t buffer_ops, shm::VenueWriter* writer)
    : index_(symbols_of(instruments)),
      buffer_ops_(buffer_ops == 0 ? 1 : buffer_ops),
      publisher_(writer),
      positions_(writer, position_capacity(writer)),
      reference_(writer, static_cast<std::uint32_t>(instruments.size())) {
  books_.reserve(instruments.size());
  for (const auto& s : instruments) {
    books_.push_back(std::make_unique<Instrument>(max_levels, buffer_ops_, s.px_exp, s.qty_exp));
  }
}

VenueBooks::~VenueBooks() = default;

std::int64_t VenueBooks::warm() const noexcept {
  std::int64_t found = 0;
  for (std::uint32_t i = 0; i < size(); ++i) {
    found += find(symbol(i));
    shm::prefetch_for_write(books_[i].get(), sizeof(Instrument));
  }
  shm::prefetch_for_write(&counters_, sizeof counters_);
  return found;
}

const book::L2Book& VenueBooks::book(std::uint32_t i) const noexcept {
  return books_[i]->book;
}
BookStatus VenueBooks::status(std::uint32_t i) const noexcept {
  return books_[i]->status;
}
int VenueBooks::px_exp(std::uint32_t i) const noexcept {
  return books_[i]->px_exp;
}
int VenueBooks::qty_exp(std::uint32_t i) const noexcept {
  return books_[i]->qty_exp;
}
bool VenueBooks::set_start_exponents(std::uint32_t i, int px_exp, int qty_exp) noexcept {
  Instrument& in = *books_[i];
  if (!in.book.empty()) return false;
  in.px_exp = px_exp;
  in.qty_exp = qty_exp;
  return true;
}
Exponents VenueBooks::exponents(const Instrument& in) noexcept {
  return {.px = in.px_exp, .qty = in.qty_exp};
}

bool VenueBooks::widen(Instrument& in, bool price, int new_exp) noexcept {
  int& cur = price ? in.px_exp : in.qty_exp;
  if (new_exp >= cur) return true;
  if (new_exp < book::kMinExp) return false;
  const int k = cur - new_exp;
  if (!(price ? in.book.scale_prices(k) : in.book.scale_quantities(k))) return false;
  // Buffered ops share the instrument's exponents; rescale them too.
  (void)in.buffer.rescale(price, book::pow10(k));
  cur = new_exp;
  bump(counters_.widenings);
  return true;
}

LevelResult VenueBooks::convert(Instrument& in, std::string_view px, std::string_view qty,
                                std::int64_t& px_out, std::int64_t& qty_out) noexcept {
  LevelResult result = LevelResult::ok;
  for (int field = 0; field < 2; ++field) {
    const bool price = field == 0;
    const std::string_view text = price ? px : qty;
    std::int64_t& out = price ? px_out : qty_out;
    const auto sign = price ? book::Sign::allow_negative : book::Sign::non_negative_only;
    auto err = book::parse_decimal(text, price ? in.px_exp : in.qty_exp, out, sign);
    if (err == book::DecimalError::too_many_decimals) {
      int needed = 0;
      if (book::exact_exponent(text, needed) != book::DecimalError::ok ||
          !widen(in, price, needed)) {
        return LevelResult::overflow;
      }
      result = LevelResult::widened;
      err = book::parse_decimal(text, price ? in.px_exp : in.qty_exp, out, sign);
    }
    switch (err) {
      case book::DecimalError::ok:
        break;
      case book::DecimalError::negative:
        return LevelResult::negative_qty;
      case book::DecimalError::overflow:
        return LevelResult::overflow;
      default:
        return LevelResult::bad_number;
    }
  }
  return result;
}

// Applies a converted level to the book and, when that changed the book,
// appends its LEVEL event. Inlined into the per-level loops.
[[gnu::always_inline]] inline void VenueBooks::apply_level(Instrument& in, std::uint32_t i,
                                                           book::Side side, std::int64_t px,
                                                           std::int64_t qty,
                                                           std::int64_t ts_exchange_ns,
                                                           std::int64_t ts_recv_ns) noexcept {
  const auto applied = in.book.set_level(side, px, qty);
  if (applied == book::ApplyResult::absent_delete || applied == book::ApplyResult::dropped_full) {
    return;
  }
  publisher_.level(i, side, exponents(in), px, qty, ts_exchange_ns, ts_recv_ns);
}

void VenueBooks::begin_snapshot(std::uint32_t i, std::int64_t ts_recv_ns) noexcept {
  Instrument& in = *books_[i];
  in.book.clear();
  in.evictions_seen = 0;
  publisher_.snapshot_begin(i, in.book.version(), ts_recv_ns);
}

LevelResult VenueBooks::set_level(std::uint32_t i, book::Side side, std::string_view px,
                                  std::string_view qty, std::int64_t ts_exchange_ns,
                                  std::int64_t ts_recv_ns) noexcept {
  Instrument& in = *books_[i];
  std::int64_t p = 0;
  std::int64_t q = 0;
  const LevelResult r = convert(in, px, qty, p, q);
  if (r != LevelResult::ok && r != LevelResult::widened) return r;
  apply_level(in, i, side, p, q, ts_exchange_ns, ts_recv_ns);
  return r;
}

// The per-level hot loop, without a call per level: the instrument stays in
// a register, the common case (both numbers plain at the current exponents)
// is converted inline, and anything else goes through set_level, which
// widens or reports.
bool VenueBooks::set_side(std::uint32_t i, book::Side side, std::span<const LevelText> levels,
                          std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns) noexcept {
  Instrument& in = *books_[i];
  for (const LevelText& l : levels) {
    std::int64_t p = 0;
    std::int64_t q = 0;
    const book::LevelErrors e = book::parse_level(l.px, in.px_exp, p, l.qty, in.qty_exp, q);
    if (e.px != book::DecimalError::ok || e.qty != book::DecimalError::ok) [[unlikely]] {
      // Widening or an error: the general path decides.
      const LevelResult r = set_level(i, side, l.px, l.qty, ts_exchange_ns, ts_recv_ns);
      if (r != LevelResult::ok && r != LevelResult::widened) return false;
      continue;
    }
    apply_level(in, i, side, p, q, ts_exchange_ns, ts_recv_ns);
  }
  return true;
}

bool VenueBooks::set_levels(std::uint32_t i, std::span<const LevelText> bids,
                            std::span<const LevelText> asks, std::int64_t ts_exchange_ns,
                            std::int64_t ts_recv_ns) noexcept {
  return set_side(i, book::Side::bid, bids, ts_exchange_ns, ts_recv_ns) &&
         set_side(i, book::Side::ask, asks, ts_exchange_ns, ts_recv_ns);
}

void VenueBooks::publish(std::uint32_t i, std::int64_t ts_exchange_ns,
                         std::int64_t ts_recv_ns) noexcept {
  Instrument& in = *books_[i];
  const std::uint64_t ev = in.book.evictions();
  if (ev > in.evictions_seen) {
    bump(counters_.evictions, ev - in.evictions_seen);
    in.evictions_seen = ev;
  }
  const std::int64_t published =
      publisher_.book(i, in.book, in.status, exponents(in), ts_exchange_ns, ts_recv_ns);
  if (published != 0) record(counters_.recv_to_publish, published - ts_recv_ns);
  if (ts_exchange_ns > 0) feed_latency_.add(ts_recv_ns - ts_exchange_ns);
}

void VenueBooks::commit(std::uint32_t i, BookStatus status, bool snapshot,
                        std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns) noexcept {
  Instrument& in = *books_[i];
  const bool changed = in.status != status;
  in.status = status;
  if (snapshot) {
    bump(counters_.snapshots);
    publisher_.snapshot_end(i, in.book.version(), ts_exchange_ns, ts_recv_ns);
  }
  publish(i, ts_exchange_ns, ts_recv_ns);
  if (changed) publisher_.status_event(i, status, ts_recv_ns);
}

void VenueBooks::set_status(std::uint32_t i, BookStatus status, std::int64_t now_ns) noexcept {
  Instrument& in = *books_[i];
  if (in.status == status) return;
  in.status = status;
  publisher_.status_now(i, status, now_ns);
}

void VenueBooks::gap(std::uint32_t i, std::int64_t expected, std::int64_t received,
                     std::int64_t now_ns) noexcept {
  bump(counters_.gaps);
  publisher_.gap(i, expected, received, now_ns);
}

void VenueBooks::set_all(BookStatus status, std::int64_t now_ns) noexcept {
  for (std::uint32_t i = 0; i < size(); ++i) set_status(i, status, now_ns);
}

bool VenueBooks::buffer_begin(std::uint32_t i, std::int64_t prev_key, std::int64_t key,
                              std::int64_t ts_exchange_ns) noexcept {
  return books_[i]->buffer.begin(prev_key, key, ts_exchange_ns);
}

LevelResult VenueBooks::buffer_level(std::uint32_t i, book::Side side, std::string_view px,
                                     std::string_view qty) noexcept {
  Instrument& in = *books_[i];
  if (!in.buffer.has_open_delta()) return LevelResult::buffer_full;
  std::int64_t p = 0;
  std::int64_t q = 0;
  const LevelResult r = convert(in, px, qty, p, q);
  if (r != LevelResult::ok && r != LevelResult::widened) return r;
  // A widening with an unrepresentable buffer emptied it: report as full.
  return in.buffer.add(side, p, q) ? r : LevelResult::buffer_full;
}

void VenueBooks::buffer_abort(std::uint32_t i) noexcept {
  books_[i]->buffer.abort();
}

std::size_t VenueBooks::buffered(std::uint32_t i) const noexcept {
  return books_[i]->buffer.size();
}

const VenueBooks::BufferedDelta& VenueBooks::buffered_delta(std::uint32_t i,
                                                            std::size_t k) const noexcept {
  return books_[i]->buffer.at(k);
}

void VenueBooks::apply_buffered(std::uint32_t i, std::size_t k) noexcept {
  Instrument& in = *books_[i];
  const BufferedDelta& d = in.buffer.at(k);
  for (const DeltaBuffer::Op& op : in.buffer.ops(d)) {
    apply_level(in, i, op.side, op.px, op.qty, d.ts_exchange_ns, 0);
  }
}

void VenueBooks::buffer_clear(std::uint32_t i) noexcept {
  books_[i]->buffer.clear();
}

void VenueBooks::trade(std::uint32_t i, book::Side aggressor, std::string_view px,
                       std::string_view qty, std::int64_t ts_exchange_ns,
                       std::int64_t ts_recv_ns) noexcept {
  Instrument& in = *books_[i];
  std::int64_t p = 0;
  std::int64_t q = 0;
  const LevelResult r = convert(in, px, qty, p, q);
  if (r != LevelResult::ok && r != LevelResult::widened) {
    bump(counters_.malformed);
    return;
  }
  publisher_.trade(i, aggressor, exponents(in), p, q, ts_exchange_ns, ts_recv_ns);
}

void VenueBooks::bbo(std::uint32_t i, std::string_view bid_px, std::string_view bid_qty,
                     std::string_view ask_px, std::string_view ask_qty, std::int64_t ts_exchange_ns,
                     std::int64_t ts_recv_ns) noexcept {
  Instrument& in = *books_[i];
  std::int64_t bp = 0;
  std::int64_t bq = 0;
  std::int64_t ap = 0;
  std::int64_t aq = 0;
  // Convert both sides first: a widening on the ask must also apply to the bid.
  LevelResult r = convert(in, bid_px, bid_qty, bp, bq);
  const LevelResult r2 = convert(in, ask_px, ask_qty, ap, aq);
  if (r2 == LevelResult::widened) r = convert(in, bid_px, bid_qty, bp, bq);
  const auto bad = [](LevelResult x) { return x != LevelResult::ok && x != LevelResult::widened; };
  if (bad(r) || bad(r2)) {
    bump(counters_.malformed);
    return;
  }
  publisher_.bbo(i, exponents(in), bp, bq, ap, aq, ts_exchange_ns, ts_recv_ns);
}

PositionResult VenueBooks::position(std::string_view instrument, const PositionText& p,
                                    std::int64_t exchange_ns, std::int64_t recv_ns) noexcept {
  const PositionResult r =
      positions_.publish(instrument, p, exchange_ns, recv_ns, publisher_.now());
  if (r == PositionResult::bad_number || r == PositionResult::bad_instrument) {
    bump(counters_.malformed);
  } else if (r == PositionResult::section_full) {
    bump(counters_.positions_full);
  }
  return r;
}

ReferenceResult VenueBooks::reference(std::uint32_t i, const ReferenceText& r,
                                      std::int64_t exchange_ns, std::int64_t recv_ns) noexcept {
  std::string_view bad_field;
  const ReferenceResult res =
      reference_.publish(i, r, exchange_ns, recv_ns, publisher_.now(), bad_field);
  if (res == ReferenceResult::ok) {
    bump(counters_.references);
  } else if (res == ReferenceResult::bad_number) {
    bump(counters_.malformed);
    std::array<char, 160> text{};
    std::size_t n = 0;
    for (const std::string_view part :
         {std::string_view("reference rejected: "), std::string_view(symbol(i)),
          std::string_view(" "), bad_field, std::string_view(" is not an exact decimal")}) {
      put_printable(text, n, part);
    }
    notice({text.data(), n});
  }
  return res;
}

void VenueBooks::venue_error(std::string_view context, std::int64_t code,
                             std::string_view message) noexcept {
  bump(counters_.errors);
  std::size_t n = 0;
  const auto put = [&](std::string_view part) { put_printable(last_error_, n, part); };
  put(context);
  put(": ");
  if (code != 0) {
    std::array<char, 24> num{};
    const int len = std::snprintf(num.data(), num.size(), "%lld ", static_cast<long long>(code));
    if (len > 0) put(std::string_view(num.data(), static_cast<std::size_t>(len)));
  }
  put(message.empty() ? std::string_view("(no message)") : message);
  last_error_len_ = n;
}

void VenueBooks::drift_alarm(std::uint32_t i) noexcept {
  bump(counters_.drift_alarms);
  char text[160];
  const int n = std::snprintf(text, sizeof text,
                              "drift: %.*s differs from the venue's REST book twice in a row; "
                              "resyncing it",
                              static_cast<int>(std::min<std::size_t>(symbol(i).size(), 64)),
                              symbol(i).data());
  if (n > 0) notice({text, std::min(static_cast<std::size_t>(n), sizeof text - 1)});
}

void VenueBooks::notice(std::string_view text) noexcept {
  bump(counters_.notices);
  std::size_t n = 0;
  put_printable(last_notice_, n, text);
  last_notice_len_ = n;
}

}  // namespace wirebook::feeds
