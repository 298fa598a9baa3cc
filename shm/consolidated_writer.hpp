#pragma once
// Writer side of the consolidated segment (DESIGN.md §9a): per configured name,
// one ConsolidatedLine per member venue.
//
// ConsolidatedWriter creates the segment (cold, the daemon's start-up) and owns
// its mapping, header state and header heartbeat (the daemon's main thread).
// It hands each venue a MemberLines: the lines of that venue's members, which
// only that venue's thread ever writes (single writer per line, no locks).
// MemberLines' methods are hot: no allocation, no system call, no blocking.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <wirebook/shm_layout.hpp>

#include "shm/writer.hpp"

namespace wirebook::book {
class L2Book;
}

namespace wirebook::shm {

struct ConsolidatedSpec {
  struct Member {
    std::string venue;         // a venue of the instance
    std::string symbol;        // one of its symbols
    std::uint32_t instrument;  // that symbol's book index in the venue segment
  };
  struct Name {
    std::string name;             // < kSymbolLen bytes
    std::vector<Member> members;  // 1..kMaxConsolidatedMembers
  };
  std::vector<Name> names;  // 1..kMaxConsolidatedNames
};

// What a line carries besides the book's best levels.
struct LineMeta {
  Status status = Status::syncing;
  std::uint8_t flags = kFlagNone;  // publish() sets CROSSED and TRUNCATED from the book
  std::int8_t px_exp = 0;
  std::int8_t qty_exp = 0;
  std::int64_t ts_exchange_ns = 0;
  std::int64_t ts_recv_ns = 0;
  std::int64_t ts_publish_ns = 0;
};

// The consolidated lines one venue thread writes, by book index.
class MemberLines {
 public:
  MemberLines() = default;
  // `instruments`: the venue's book count; `lines[k]` belongs to book `books[k]`.
  MemberLines(std::uint32_t instruments, const std::vector<std::uint32_t>& books,
              const std::vector<ConsolidatedLine*>& lines);

  [[nodiscard]] bool empty() const noexcept { return lines_.empty(); }
  // Writes every line of book i from the book's best levels. Inline: a
  // publication of a book that is no member costs one comparison.
  void publish(std::uint32_t i, const book::L2Book& book, const LineMeta& meta) noexcept {
    if (i + 1 >= first_.size() || first_[i] == first_[i + 1]) return;
    publish_lines(i, book, meta);
  }
  // A status change alone: the lines keep their levels, take the new status.
  void set_status(std::uint32_t i, Status status, std::int64_t ts_publish_ns) noexcept;
  // The venue thread is alive (its housekeeping tick).
  void heartbeat(std::int64_t now_monotonic_ns) noexcept;

 private:
  void publish_lines(std::uint32_t i, const book::L2Book& book, const LineMeta& meta) noexcept;
  std::vector<std::uint32_t> first_;      // per book: its first entry in lines_ (CSR)
  std::vector<ConsolidatedLine*> lines_;  // grouped by book
};

class ConsolidatedWriter {
 public:
  // Creates and publishes `<dir>/consolidated` (state INIT, every line
  // SYNCING). bad_config: a bad name, a duplicate name, no or too many
  // members, a member named twice in one name.
  [[nodiscard]] static CreateStatus create(const SegmentOptions& options,
                                           const ConsolidatedSpec& spec,
                                           std::unique_ptr<ConsolidatedWriter>& out);
  ConsolidatedWriter(const ConsolidatedWriter&) = delete;
  ConsolidatedWriter& operator=(const ConsolidatedWriter&) = delete;
  ~ConsolidatedWriter();

  // The lines of `venue`'s members (cold: allocates). `instruments`: its book count.
  [[nodiscard]] MemberLines lines_of(const std::string& venue, std::uint32_t instruments) const;
  void heartbeat(std::int64_t now_monotonic_ns) noexcept;
  void set_state(SegmentState state) noexcept;
  [[nodiscard]] const std::string& path() const noexcept { return seg_.path(); }

 private:
  ConsolidatedWriter() = default;
  MappedSegment seg_;
  SegmentHeader* hdr_ = nullptr;
  ConsolidatedMember* members_ = nullptr;
  ConsolidatedLine* lines_ = nullptr;
  std::uint32_t member_count_ = 0;
};

}  // namespace wirebook::shm
