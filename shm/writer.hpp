#pragma once
// Writer side of the shared-memory segments (DESIGN.md §6).
//
// VenueWriter: one per venue segment. Threading contract: exactly one writer
// thread (the venue thread) calls the hot methods; any number of reader
// processes map the file read-only. Hot methods (publish*, set_status, append*,
// heartbeat, idle, set_state) never block, never allocate, never make system
// calls and never wait for readers. create() is cold: it may allocate, makes
// system calls and reports failures as values.
//
// Fork caveat: the lifetime lock is an open-file-description lock, so a child
// forked after create() shares it; create writers in the process that writes.
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <wirebook/shm_layout.hpp>

#include "book/book_op.hpp"

namespace wirebook::book {
class L2Book;
}

namespace wirebook::shm {

// Where and how segment files are created.
struct SegmentOptions {
  std::string dir;                       // instance directory; default_instance_dir(instance)
  mode_t file_mode = 0640;               // applied exactly (umask does not interfere)
  mode_t dir_mode = 0750;                // applied when the directory is created
  gid_t group = static_cast<gid_t>(-1);  // optional group for the files; -1 keeps the default
  // Test hook: runs after the temp file is sized and half initialised, before
  // the rename that makes it visible.
  void (*before_publish_hook)(void* ctx) = nullptr;
  void* hook_ctx = nullptr;
};

// "/dev/shm/wirebook/<instance>".
[[nodiscard]] std::string default_instance_dir(const std::string& instance);

struct VenueConfig {
  std::string name;                         // [A-Za-z0-9_.-], < kNameLen bytes
  std::vector<std::string> symbols;         // < kSymbolLen bytes each
  std::uint32_t depth = 20;                 // levels per side, 1..kMaxDepth
  std::uint32_t ring_capacity = 1U << 16U;  // records, power of two
  // Position slots (DESIGN §9a), 0..kMaxPositions; 0: no positions section.
  std::uint32_t position_capacity = kDefaultPositionCapacity;
};

enum class CreateError : std::uint8_t {
  ok = 0,
  bad_config,         // empty/too long name, bad depth or ring capacity, too many symbols
  bad_directory,      // not a directory, a symlink, not ours, or writable by others
  target_exists,      // something that is not one of our segments sits at the path
  target_is_symlink,  // a symlink sits at the path (refused: no squatting)
  writer_active,      // a live writer still holds the segment at the path
  io_error,           // a system call failed; see sys_errno
};
[[nodiscard]] const char* to_string(CreateError e) noexcept;

struct CreateStatus {
  CreateError error = CreateError::ok;
  int sys_errno = 0;
  std::string detail;  // human-readable: which path, which call
  [[nodiscard]] bool ok() const noexcept { return error == CreateError::ok; }
};

// What a publication carries besides the levels. Timestamps are supplied by the
// caller so that publishing makes no clock call.
struct BookMeta {
  Status status = Status::live;
  std::uint8_t flags = kFlagNone;  // OR-ed with CROSSED (computed) and TRUNCATED
  std::int8_t px_exp = 0;
  std::int8_t qty_exp = 0;
  std::int64_t ts_exchange_ns = 0;
  std::int64_t ts_recv_ns = 0;
  std::int64_t ts_publish_ns = 0;
  // The slot's update count. 0: this writer's own publication count (the
  // daemon); a mirror (tools/nats) passes its source's, so a replica's slot
  // reads the same as the source's.
  std::uint64_t update_count = 0;
};

enum class PublishResult : std::uint8_t { ok = 0, bad_instrument, bad_status };

// A mapped, locked segment file (internal building block).
class MappedSegment {
 public:
  MappedSegment() = default;
  MappedSegment(const MappedSegment&) = delete;
  MappedSegment& operator=(const MappedSegment&) = delete;
  ~MappedSegment();
  [[nodiscard]] char* base() const noexcept { return base_; }
  [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  // Creates `file_name` in options.dir: temp file (O_EXCL|O_NOFOLLOW), lock,
  // fallocate, map (pre-faulted), zero, `fill`, hook, rename into place.
  [[nodiscard]] CreateStatus create(const SegmentOptions& options, const std::string& file_name,
                                    SegmentKind kind, std::uint64_t size,
                                    void (*fill)(char* base, void* ctx), void* ctx);

 private:
  char* base_ = nullptr;
  std::uint64_t size_ = 0;
  int fd_ = -1;
  std::string path_;
};

class VenueWriter {
 public:
  // Creates and publishes the segment `<dir>/venue-<name>`. On success `out`
  // holds the writer (state INIT, every book SYNCING).
  [[nodiscard]] static CreateStatus create(const SegmentOptions& options, const VenueConfig& config,
                                           std::unique_ptr<VenueWriter>& out);

  VenueWriter(const VenueWriter&) = delete;
  VenueWriter& operator=(const VenueWriter&) = delete;
  ~VenueWriter();  // unmaps and closes (releases the lifetime lock); the file stays

  // Publishes the top `depth` levels of `book` for `instrument` into the older
  // slot copy. version = book.version(); TRUNCATED from book.truncated().
  [[nodiscard]] PublishResult publish(std::uint32_t instrument, const book::L2Book& book,
                                      const BookMeta& meta) noexcept;
  // Same from level arrays, best first (at most `depth` of each are used).
  [[nodiscard]] PublishResult publish_levels(std::uint32_t instrument, const BookMeta& meta,
                                             std::span<const Level> bids,
                                             std::span<const Level> asks,
                                             std::uint64_t version) noexcept;
  // Appends a STATUS event and republishes the last levels with `status`.
  [[nodiscard]] PublishResult set_status(std::uint32_t instrument, Status status,
                                         std::int64_t ts_publish_ns) noexcept;

  // Publishes a position into slot `slot` (< position_capacity()) and then
  // appends its POSITION event, so a reader that polls the event finds this
  // publication (or a newer one) in the slot; the copy's ring_seq is that
  // event's seq. The caller keeps one instrument per slot (slots are never
  // reassigned). update_count, ring_seq and writer_ok of `p` are ignored.
  // bad_instrument: slot out of range or an empty instrument name.
  [[nodiscard]] PublishResult publish_position(std::uint32_t slot, const Position& p) noexcept;
  // A replica's publication (the NATS mirror, tools/nats): the slot reads
  // exactly as its source's, so p.update_count is written as given (the
  // source's count) instead of this writer's own. With `announce`, the
  // POSITION event follows as in publish_position; without, no event is
  // appended and the copy's ring_seq is ring_head() (every event so far):
  // the caller appends its source's POSITION event next. Same errors.
  [[nodiscard]] PublishResult publish_position_replica(std::uint32_t slot, const Position& p,
                                                       bool announce) noexcept;

  // Publishes instrument `instrument`'s reference data into its reference
  // slot, then appends its REFERENCE event (same ordering as positions). The
  // slot's instrument name is the book's symbol (r.instrument is ignored).
  // bad_instrument: instrument out of range.
  [[nodiscard]] PublishResult publish_reference(std::uint32_t instrument,
                                                const Reference& r) noexcept;
  // A replica's publication, as publish_position_replica.
  [[nodiscard]] PublishResult publish_reference_replica(std::uint32_t instrument,
                                                        const Reference& r, bool announce) noexcept;

  // Appends one event (its seq field is ignored) and returns its seq (1-based).
  // Inline: called per level on the hot path, and an inlined call lets the
  // compiler store the caller's fields straight into the record.
  inline std::uint64_t append(const Event& ev) noexcept;

  void heartbeat(std::int64_t now_monotonic_ns) noexcept;
  // Republishes the feed latency in the header (at most once a second).
  void set_feed_latency(const FeedLatency& f) noexcept;
  // heartbeat() plus a HEARTBEAT event when nothing was appended since the last idle().
  void idle(std::int64_t now_monotonic_ns) noexcept;
  void set_state(SegmentState state) noexcept;
  // Prefetches, for writing, the slot copy each book's next publication will
  // rewrite and the ring's next records (an idle venue thread keeping its hot
  // path warm: the daemon's HotPathWarmer). Stores nothing.
  void warm() const noexcept;

  [[nodiscard]] std::uint64_t ring_head() const noexcept { return head_; }
  [[nodiscard]] std::uint32_t instrument_count() const noexcept { return instrument_count_; }
  [[nodiscard]] std::uint32_t depth() const noexcept { return depth_; }
  [[nodiscard]] std::uint32_t position_capacity() const noexcept { return position_capacity_; }
  [[nodiscard]] std::uint64_t generation() const noexcept;
  [[nodiscard]] const std::string& path() const noexcept { return seg_.path(); }

 private:
  VenueWriter() = default;
  [[nodiscard]] char* copy_base(std::uint32_t instrument, std::uint64_t publication) const noexcept;
  // A section of two-copy field slots (positions or reference data).
  struct FieldSlots {
    char* base = nullptr;
    std::vector<std::uint64_t> publications;  // per slot, writer-private
  };
  template <class Field>
  void write_fields(FieldSlots& slots, std::uint32_t slot, const FieldValues<Field>& v,
                    std::uint64_t update_count, std::uint64_t ring_seq) noexcept;
  template <class Field>
  void append_fields_event(EventType type, std::uint32_t slot, const FieldValues<Field>& v,
                           std::uint64_t update_count, Field px_field, Field qty_field) noexcept;
  template <class WriteLevels>
  void write_copy(std::uint32_t instrument, const BookMeta& meta, std::uint32_t n_bids,
                  std::uint32_t n_asks, Level bid0, Level ask0, WriteLevels write_levels,
                  std::uint64_t version) noexcept;

  MappedSegment seg_;
  SegmentHeader* hdr_ = nullptr;
  char* slots_ = nullptr;
  RingRecord* ring_ = nullptr;
  FieldSlots positions_;
  FieldSlots references_;  // one per instrument
  const InstrumentInfo* instruments_ = nullptr;
  static constexpr std::uint64_t kRingPrefetch = 16;
  std::uint64_t copy_stride_ = 0;
  std::uint64_t ring_mask_ = 0;
  std::uint64_t head_ = 0;          // seq of the last appended event
  std::uint64_t head_at_idle_ = 0;  // head_ at the last idle()
  std::uint32_t instrument_count_ = 0;
  std::uint32_t depth_ = 0;
  std::uint32_t position_capacity_ = 0;
  std::vector<std::uint64_t> publications_;  // per instrument, writer-private
};

// The seqlock writer half (see writer.cpp), shared by ring records and slot
// copies: odd sequence (W1), release fence (W2) pairing with the reader's
// acquire fence (R3), the relaxed data stores (W3), then the even sequence
// with release (W4) pairing with the reader's acquire load (R1).
template <class WriteData>
inline void seqlock_write(std::uint64_t& seq, std::uint64_t n, WriteData&& write_data) noexcept {
  detail::store(seq, 2 * n - 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  write_data();
  detail::store(seq, 2 * n, std::memory_order_release);
}

inline std::uint64_t VenueWriter::append(const Event& ev) noexcept {
  using detail::store;
  constexpr auto relaxed = std::memory_order_relaxed;
  const std::uint64_t n = ++head_;
  RingRecord* r = ring_ + (n & ring_mask_);
  // The ring (4 MiB at the default 65,536 records) outgrows L2, so a record
  // is usually a cache miss: start fetching the one kRingPrefetch appends ahead.
  __builtin_prefetch(ring_ + ((n + kRingPrefetch) & ring_mask_), 1, 3);
  seqlock_write(r->seq, n, [&]() noexcept {
    store(r->type, static_cast<std::uint8_t>(ev.type), relaxed);
    store(r->side, ev.side, relaxed);
    store(r->px_exp, ev.px_exp, relaxed);
    store(r->qty_exp, ev.qty_exp, relaxed);
    store(r->instrument, ev.instrument, relaxed);
    store(r->ts_exchange_ns, ev.ts_exchange_ns, relaxed);
    store(r->ts_recv_ns, ev.ts_recv_ns, relaxed);
    store(r->px, ev.px, relaxed);
    store(r->qty, ev.qty, relaxed);
    store(r->aux0, ev.aux0, relaxed);
    store(r->aux1, ev.aux1, relaxed);
  });
  // Pairs with the acquire load of ring_head in VenueReader (cursor placement,
  // lap recovery): a reader that sees head n finds record n complete.
  store(hdr_->ring_head, n, std::memory_order_release);
  return n;
}

// The instance's control segment: which venues exist and where.
class ControlWriter {
 public:
  [[nodiscard]] static CreateStatus create(const SegmentOptions& options,
                                           const std::string& instance,
                                           const std::vector<VenueConfig>& venues,
                                           std::unique_ptr<ControlWriter>& out);
  ControlWriter(const ControlWriter&) = delete;
  ControlWriter& operator=(const ControlWriter&) = delete;
  ~ControlWriter();
  void heartbeat(std::int64_t now_monotonic_ns) noexcept;
  void set_state(SegmentState state) noexcept;
  [[nodiscard]] const std::string& path() const noexcept { return seg_.path(); }

 private:
  ControlWriter() = default;
  MappedSegment seg_;
  SegmentHeader* hdr_ = nullptr;
};

}  // namespace wirebook::shm
