#pragma once
// The books of one venue and their publication (DESIGN.md §1, §3, §4).
//
// VenueBooks owns one L2Book per configured instrument, converts decimal text
// to fixed point exactly (widening an instrument's exponent when a message
// carries more decimals, DESIGN §3), buffers deltas that arrive before a
// snapshot, tracks each book's status and publishes books, statuses and events
// to the venue's shared-memory segment. Venue adapters (feeds/<venue>) decide
// *when* to apply, buffer, or resync by their chain rule; this class does the
// rest, so no adapter touches shm/ directly. Its parts: the symbol index
// (symbol_index.hpp), the pre-snapshot buffer (delta_buffer.hpp), the writer
// of books and events (book_publisher.hpp) and the account positions
// (venue_positions.hpp); what stays here is the books themselves, the exact
// conversion of level texts with exponent widening, and the statuses.
//
// Threading: owned by one venue thread; hot methods never allocate, never
// block, never throw. Counters are relaxed atomics so a cold thread may read
// them.
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "book/book_op.hpp"
#include "book/l2_book.hpp"
#include "feeds/common/book_publisher.hpp"
#include "feeds/common/delta_buffer.hpp"
#include "feeds/common/feed_latency.hpp"
#include "feeds/common/level_text.hpp"
#include "feeds/common/symbol_index.hpp"
#include "feeds/common/venue_positions.hpp"
#include "feeds/common/venue_reference.hpp"

namespace wirebook::shm {
class VenueWriter;
}

namespace wirebook::feeds {

// Mirrors shm::Status (DESIGN §4) so adapters need not include shm headers.
enum class BookStatus : std::uint8_t {
  syncing = 0,
  live = 1,
  stale = 2,
  resyncing = 3,
  disconnected = 4
};
[[nodiscard]] const char* to_string(BookStatus s) noexcept;

// Outcome of feeding one level's text to a book.
enum class LevelResult : std::uint8_t {
  ok,
  widened,       // ok, and the instrument's exponent had to be widened first
  bad_number,    // empty/garbage text or a wrong type
  negative_qty,  // a negative size
  overflow,      // does not fit int64 even after widening: resync
  buffer_full,   // the pre-snapshot delta buffer is full: resync
};

// Receive→publish latency histogram with 16 sub-buckets per power of two
// (relative error under 6.25 %), so sub-microsecond figures are not lost in
// two power-of-two buckets. Below 256 ns the buckets are 16 ns wide; from
// 2^k (k >= 8) up to 2^(k+1) ns there are 16 buckets of 2^(k-4) ns; the
// last finite bound is 2^25 ns (33.5 ms), then +Inf.
struct LatencyHistogram {
  static constexpr unsigned kSubBits = 4;
  static constexpr std::size_t kSub = std::size_t{1} << kSubBits;  // per power of two
  static constexpr unsigned kLinearBits = 8;                       // 0..255 ns: linear
  static constexpr unsigned kTopBits = 25;                         // last finite bound 2^25 ns
  static constexpr std::size_t kBuckets = kSub + (kTopBits - kLinearBits) * kSub + 1;

  // Exclusive upper bound of bucket i (i < kBuckets - 1).
  [[nodiscard]] static constexpr std::int64_t upper_bound_ns(std::size_t i) noexcept {
    if (i < kSub) return static_cast<std::int64_t>((i + 1) << (kLinearBits - kSubBits));
    const std::size_t octave = (i - kSub) / kSub;  // 0 for [256, 512)
    const std::size_t sub = (i - kSub) % kSub;
    return static_cast<std::int64_t>((kSub + sub + 1) << (kLinearBits - kSubBits + octave));
  }
  [[nodiscard]] static constexpr std::size_t bucket_of(std::int64_t ns) noexcept {
    if (ns <= 0) return 0;
    const auto v = static_cast<std::uint64_t>(ns);
    if (v < (std::uint64_t{1} << kLinearBits)) return v >> (kLinearBits - kSubBits);
    const auto top = static_cast<unsigned>(std::bit_width(v)) - 1;  // >= kLinearBits
    if (top >= kTopBits) return kBuckets - 1;
    const std::size_t sub = (v >> (top - kSubBits)) & (kSub - 1);
    return kSub + (top - kLinearBits) * kSub + sub;
  }
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets{};
  std::atomic<std::uint64_t> sum_ns{0};  // the count is the sum of the buckets
};

// Counters for one venue (monotonic, relaxed).
struct VenueCounters {
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> malformed{0};      // unparseable frames or fields
  std::atomic<std::uint64_t> unexpected{0};     // valid JSON we do not understand
  std::atomic<std::uint64_t> gaps{0};           // chain breaks detected
  std::atomic<std::uint64_t> resyncs{0};        // resynchronisations started
  std::atomic<std::uint64_t> snapshots{0};      // snapshots applied
  std::atomic<std::uint64_t> stale_dropped{0};  // deltas older than the book, dropped
  std::atomic<std::uint64_t> widenings{0};      // exponent widenings
  std::atomic<std::uint64_t> evictions{0};      // levels dropped beyond capacity
  std::atomic<std::uint64_t> reconnects{0};
  std::atomic<std::uint64_t> errors{0};          // venue error replies
  std::atomic<std::uint64_t> notices{0};         // notices for the log (notice())
  std::atomic<std::uint64_t> positions_full{0};  // positions dropped: every slot taken
  std::atomic<std::uint64_t> drift_alarms{0};    // REST cross-checks failed twice in a row
  std::atomic<std::uint64_t> references{0};      // reference updates published (DESIGN §9a)
  LatencyHistogram recv_to_publish;              // per book publication to shared memory
};

inline void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
  // Single writer: a relaxed load+store avoids a locked RMW on the hot path.
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

inline void record(LatencyHistogram& h, std::int64_t ns) noexcept {
  bump(h.buckets[LatencyHistogram::bucket_of(ns)]);
  bump(h.sum_ns, ns > 0 ? static_cast<std::uint64_t>(ns) : 0U);
}

struct InstrumentSpec {
  std::string symbol;
  int px_exp = -8;  // starting exponents (venue metadata or config); widened on demand
  int qty_exp = -8;
};

class VenueBooks {
 public:
  // `writer` may be null (tests, replay without publication). `max_levels` is
  // the per-side book capacity; `buffer_ops` bounds each instrument's
  // pre-snapshot delta buffer.
  VenueBooks(std::vector<InstrumentSpec> instruments, std::size_t max_levels,
             std::size_t buffer_ops, shm::VenueWriter* writer);
  ~VenueBooks();
  VenueBooks(const VenueBooks&) = delete;
  VenueBooks& operator=(const VenueBooks&) = delete;

  [[nodiscard]] std::uint32_t size() const noexcept {
    return static_cast<std::uint32_t>(books_.size());
  }
  // Instrument index of a symbol, or -1 (one hash probe, symbol_index.hpp).
  [[nodiscard]] int find(std::string_view symbol) const noexcept { return index_.find(symbol); }
  [[nodiscard]] const std::string& symbol(std::uint32_t i) const noexcept {
    return index_.symbol(i);
  }
  [[nodiscard]] const book::L2Book& book(std::uint32_t i) const noexcept;
  [[nodiscard]] BookStatus status(std::uint32_t i) const noexcept;
  [[nodiscard]] int px_exp(std::uint32_t i) const noexcept;
  [[nodiscard]] int qty_exp(std::uint32_t i) const noexcept;
  VenueCounters& counters() noexcept { return counters_; }
  // For an idle venue thread keeping its hot path warm (the daemon's
  // HotPathWarmer): looks every symbol up and prefetches the counters and
  // each instrument's state, as a frame's apply touches them. Changes
  // nothing; the sum of the lookups keeps them from being optimised away.
  [[nodiscard]] std::int64_t warm() const noexcept;
  // Venue timestamp -> receive time of every book publication (the venue
  // thread rolls its window from its tick).
  FeedLatency& feed_latency() noexcept { return feed_latency_; }
  // Sets book i's starting exponents from venue metadata learnt after
  // construction (e.g. a start-up REST lookup); false, and nothing changed,
  // once the book holds levels. Cold path, before the feed runs.
  [[nodiscard]] bool set_start_exponents(std::uint32_t i, int px_exp, int qty_exp) noexcept;

  // --- applying to the live book ---------------------------------------
  // Clears the book and opens a snapshot (SNAPSHOT_BEGIN in the ring).
  void begin_snapshot(std::uint32_t i, std::int64_t ts_recv_ns) noexcept;
  // Sets one level from text (absolute size; zero deletes).
  [[nodiscard]] LevelResult set_level(std::uint32_t i, book::Side side, std::string_view px,
                                      std::string_view qty, std::int64_t ts_exchange_ns,
                                      std::int64_t ts_recv_ns) noexcept;
  // Applies one frame's bids and asks; false at the first level that is not
  // ok/widened (the caller resyncs).
  [[nodiscard]] bool set_levels(std::uint32_t i, std::span<const LevelText> bids,
                                std::span<const LevelText> asks, std::int64_t ts_exchange_ns,
                                std::int64_t ts_recv_ns) noexcept;
  // Ends a snapshot or delta batch: publishes the book with `status`.
  void commit(std::uint32_t i, BookStatus status, bool snapshot, std::int64_t ts_exchange_ns,
              std::int64_t ts_recv_ns) noexcept;

  // Publishes a status change at once (and a GAP event when `gap` is set,
  // with the venue's expected/received ids).
  void set_status(std::uint32_t i, BookStatus status, std::int64_t now_ns) noexcept;
  void gap(std::uint32_t i, std::int64_t expected, std::int64_t received,
           std::int64_t now_ns) noexcept;
  // Marks every book (e.g. DISCONNECTED on a socket loss).
  void set_all(BookStatus status, std::int64_t now_ns) noexcept;

  // --- the pre-snapshot delta buffer -------------------------------------
  // Deltas are buffered as converted ops with the chain keys of their frame
  // (delta_buffer.hpp).
  using BufferedDelta = DeltaBuffer::Delta;
  [[nodiscard]] bool buffer_begin(std::uint32_t i, std::int64_t prev_key, std::int64_t key,
                                  std::int64_t ts_exchange_ns) noexcept;
  [[nodiscard]] LevelResult buffer_level(std::uint32_t i, book::Side side, std::string_view px,
                                         std::string_view qty) noexcept;
  // Drops the delta opened by the last buffer_begin (e.g. it was malformed).
  void buffer_abort(std::uint32_t i) noexcept;
  [[nodiscard]] std::size_t buffered(std::uint32_t i) const noexcept;
  [[nodiscard]] const BufferedDelta& buffered_delta(std::uint32_t i, std::size_t k) const noexcept;
  // Applies buffered delta k to the book (no publication; call commit after).
  void apply_buffered(std::uint32_t i, std::size_t k) noexcept;
  void buffer_clear(std::uint32_t i) noexcept;

  // --- venue error replies (cold path) ------------------------------------
  // Counts an error reply and keeps its text (truncated, control characters
  // replaced) so the daemon can log it; `context` names our request.
  // Adapters pass only what the venue sent: never credentials.
  void venue_error(std::string_view context, std::int64_t code, std::string_view message) noexcept;
  // The last error's text ("" when none); venue thread only.
  [[nodiscard]] std::string_view last_error() const noexcept {
    return {last_error_.data(), last_error_len_};
  }
  // Something the operator should read that is neither an error reply nor a
  // break (an OX.FUN seqNum jump taken as allowed, say): counted and kept like
  // an error, so the daemon logs it from its tick (one line, with the count).
  void notice(std::string_view text) noexcept;
  [[nodiscard]] std::string_view last_notice() const noexcept {
    return {last_notice_.data(), last_notice_len_};
  }
  // A venue's REST cross-check disagreed with book `i` twice in a row (the
  // caller resyncs it): counted (wirebook_drift_alarms_total) and noticed.
  void drift_alarm(std::uint32_t i) noexcept;

  // --- positions (DESIGN §9a) --------------------------------------------
  // Publishes the account position in `instrument` (the venue's own name, any
  // market, subscribed or not) to the segment's positions section, with a
  // POSITION event. Texts are the venue's decimal texts, converted exactly
  // (never through a double), each field at its own exponent; an empty view
  // publishes that field as unknown. The first position of an instrument
  // takes the next free slot for good.
  //   ok
  //   bad_number      a field is not an exact decimal fitting int64: counted
  //                   as malformed, nothing published (never a partial position)
  //   bad_instrument  empty or longer than 47 bytes: counted as malformed
  //   section_full    a new instrument and no free slot: counted in
  //                   positions_full; no other instrument's slot is touched
  // Every rejection is also kept for the daemon's log (positions().problems(),
  // last_problem()). No allocation once the instrument has its slot.
  [[nodiscard]] PositionResult position(std::string_view instrument, const PositionText& p,
                                        std::int64_t exchange_ns, std::int64_t recv_ns) noexcept;
  [[nodiscard]] const VenuePositions& positions() const noexcept { return positions_; }

  // --- reference data (DESIGN §9a) ---------------------------------------
  // Publishes the fields `r` carries (mark, index, funding rate and next
  // time, open interest) into book i's reference slot, keeping the fields it
  // does not carry, with a REFERENCE event. Texts are converted exactly, each
  // at its own exponent. A field that is not an exact decimal rejects the
  // whole update: counted as malformed and noticed (logged from the tick),
  // nothing published. Counted in `references` when published.
  ReferenceResult reference(std::uint32_t i, const ReferenceText& r, std::int64_t exchange_ns,
                            std::int64_t recv_ns) noexcept;
  [[nodiscard]] const VenueReference& references() const noexcept { return reference_; }

  // The venue's consolidated lines (cold, before the feed runs; null: none).
  void set_member_lines(shm::MemberLines* lines) noexcept { publisher_.set_member_lines(lines); }

  // --- events ------------------------------------------------------------
  void trade(std::uint32_t i, book::Side aggressor, std::string_view px, std::string_view qty,
             std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns) noexcept;
  void bbo(std::uint32_t i, std::string_view bid_px, std::string_view bid_qty,
           std::string_view ask_px, std::string_view ask_qty, std::int64_t ts_exchange_ns,
           std::int64_t ts_recv_ns) noexcept;

 private:
  struct Instrument;

  [[nodiscard]] LevelResult convert(Instrument& in, std::string_view px, std::string_view qty,
                                    std::int64_t& px_out, std::int64_t& qty_out) noexcept;
  [[nodiscard]] bool widen(Instrument& in, bool price, int new_exp) noexcept;
  void publish(std::uint32_t i, std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns) noexcept;
  [[nodiscard]] static Exponents exponents(const Instrument& in) noexcept;
  [[nodiscard]] bool set_side(std::uint32_t i, book::Side side, std::span<const LevelText> levels,
                              std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns) noexcept;
  void apply_level(Instrument& in, std::uint32_t i, book::Side side, std::int64_t px,
                   std::int64_t qty, std::int64_t ts_exchange_ns, std::int64_t ts_recv_ns) noexcept;

  SymbolIndex index_;
  std::vector<std::unique_ptr<Instrument>> books_;
  std::size_t buffer_ops_;
  BookPublisher publisher_;
  VenueCounters counters_;
  FeedLatency feed_latency_;
  VenuePositions positions_;
  VenueReference reference_;
  std::array<char, 256> last_error_{};
  std::size_t last_error_len_ = 0;
  std::array<char, 256> last_notice_{};
  std::size_t last_notice_len_ = 0;
};

}  // namespace wirebook::feeds
