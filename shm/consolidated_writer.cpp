// ConsolidatedWriter / MemberLines. A line is one seqlocked copy written by
// its venue thread with seqlock_write (writer.hpp: W1..W4); the reader half is
// ConsolidatedReader::read_line (wirebook/consolidated_reader.hpp), which
// retries a torn read.
#include "shm/consolidated_writer.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "book/l2_book.hpp"
#include "shm/segment_names.hpp"

namespace wirebook::shm {
namespace {

using detail::load;
using detail::store;
constexpr auto kRelaxed = std::memory_order_relaxed;
constexpr auto kRelease = std::memory_order_release;

struct ConsolidatedGeometry {
  std::uint64_t names_off, members_off, lines_off, total;
  std::uint32_t member_count;
};

ConsolidatedGeometry geometry(const ConsolidatedSpec& spec) noexcept {
  ConsolidatedGeometry g{};
  for (const auto& n : spec.names) g.member_count += static_cast<std::uint32_t>(n.members.size());
  g.names_off = sizeof(SegmentHeader);
  g.members_off = g.names_off + round_up_block(spec.names.size() * sizeof(ConsolidatedName));
  g.lines_off = g.members_off + std::uint64_t{g.member_count} * sizeof(ConsolidatedMember);
  g.total =
      detail::round_up_page(g.lines_off + std::uint64_t{g.member_count} * sizeof(ConsolidatedLine));
  return g;
}

struct ConsolidatedFill {
  const ConsolidatedSpec* spec;
  ConsolidatedGeometry geo;
};

void fill_consolidated(char* base, void* ctx) {
  const auto& f = *static_cast<ConsolidatedFill*>(ctx);
  auto* h = reinterpret_cast<SegmentHeader*>(base);
  detail::copy_name(h->name, kNameLen, "consolidated");
  const auto names = static_cast<std::uint32_t>(f.spec->names.size());
  h->instrument_count = names;
  h->member_count = f.geo.member_count;
  h->sections[kSecConsNames] = Section{f.geo.names_off, f.geo.members_off - f.geo.names_off, names,
                                       sizeof(ConsolidatedName), 0};
  h->sections[kSecConsMembers] = Section{f.geo.members_off, f.geo.lines_off - f.geo.members_off,
                                         f.geo.member_count, sizeof(ConsolidatedMember), 0};
  h->sections[kSecConsLines] =
      Section{f.geo.lines_off, std::uint64_t{f.geo.member_count} * sizeof(ConsolidatedLine),
              f.geo.member_count, sizeof(ConsolidatedLine), 0};
  h->state = static_cast<std::uint32_t>(SegmentState::init);
  auto* name = reinterpret_cast<ConsolidatedName*>(base + f.geo.names_off);
  auto* member = reinterpret_cast<ConsolidatedMember*>(base + f.geo.members_off);
  std::uint32_t m = 0;
  for (std::uint32_t n = 0; n < names; ++n) {
    const ConsolidatedSpec::Name& spec = f.spec->names[n];
    detail::copy_name(name[n].name, kSymbolLen, spec.name);
    name[n].first_member = m;
    name[n].member_count = static_cast<std::uint32_t>(spec.members.size());
    for (const auto& sm : spec.members) {
      detail::copy_name(member[m].venue, kNameLen, sm.venue);
      detail::copy_name(member[m].symbol, kSymbolLen, sm.symbol);
      member[m].name_index = n;
      member[m].instrument = sm.instrument;
      ++m;
    }
  }
}

// The first problem of a spec, or "" when it is valid.
std::string spec_problem(const ConsolidatedSpec& spec) {
  if (spec.names.empty() || spec.names.size() > kMaxConsolidatedNames) return "bad name count";
  std::set<std::string, std::less<>> seen;
  for (const auto& n : spec.names) {
    if (n.name.empty() || n.name.size() >= kSymbolLen) return "bad name '" + n.name + "'";
    if (!seen.insert(n.name).second) return "duplicate name '" + n.name + "'";
    if (n.members.empty() || n.members.size() > kMaxConsolidatedMembers)
      return "'" + n.name + "': bad member count";
    std::set<std::pair<std::string, std::string>> members;
    for (const auto& m : n.members) {
      if (!detail::valid_name(m.venue, kNameLen) || m.symbol.empty() ||
          m.symbol.size() >= kSymbolLen || m.instrument >= kMaxInstruments) {
        return "'" + n.name + "': bad member '" + m.venue + ":" + m.symbol + "'";
      }
      if (!members.emplace(m.venue, m.symbol).second)
        return "'" + n.name + "': member '" + m.venue + ":" + m.symbol + "' named twice";
    }
  }
  return {};
}

}  // namespace

CreateStatus ConsolidatedWriter::create(const SegmentOptions& options, const ConsolidatedSpec& spec,
                                        std::unique_ptr<ConsolidatedWriter>& out) {
  if (std::string why = spec_problem(spec); !why.empty())
    return {CreateError::bad_config, 0, "consolidated: " + why};
  std::unique_ptr<ConsolidatedWriter> w(new ConsolidatedWriter());
  ConsolidatedFill fill{&spec, geometry(spec)};
  CreateStatus st = w->seg_.create(options, kConsolidatedFile, SegmentKind::consolidated,
                                   fill.geo.total, &fill_consolidated, &fill);
  if (!st.ok()) return st;
  w->hdr_ = reinterpret_cast<SegmentHeader*>(w->seg_.base());
  w->members_ = reinterpret_cast<ConsolidatedMember*>(w->seg_.base() + fill.geo.members_off);
  w->lines_ = reinterpret_cast<ConsolidatedLine*>(w->seg_.base() + fill.geo.lines_off);
  w->member_count_ = fill.geo.member_count;
  out = std::move(w);
  return st;
}

ConsolidatedWriter::~ConsolidatedWriter() = default;

MemberLines ConsolidatedWriter::lines_of(const std::string& venue,
                                         std::uint32_t instruments) const {
  std::vector<std::uint32_t> books;
  std::vector<ConsolidatedLine*> lines;
  for (std::uint32_t m = 0; m < member_count_; ++m) {
    if (venue != members_[m].venue || members_[m].instrument >= instruments) continue;
    books.push_back(members_[m].instrument);
    lines.push_back(&lines_[m]);
  }
  return MemberLines(instruments, books, lines);
}

void ConsolidatedWriter::heartbeat(std::int64_t now_monotonic_ns) noexcept {
  store(hdr_->heartbeat_ns, now_monotonic_ns, kRelaxed);
}

void ConsolidatedWriter::set_state(SegmentState state) noexcept {
  store(hdr_->state, static_cast<std::uint32_t>(state), kRelease);
}

// ---- MemberLines -----------------------------------------------------------------

MemberLines::MemberLines(std::uint32_t instruments, const std::vector<std::uint32_t>& books,
                         const std::vector<ConsolidatedLine*>& lines) {
  if (books.empty()) return;  // empty(): publish() returns at its first test
  first_.assign(std::size_t{instruments} + 1, 0);
  for (std::uint32_t b : books) ++first_[b + 1];
  for (std::size_t i = 1; i < first_.size(); ++i) first_[i] += first_[i - 1];
  lines_.resize(lines.size());
  std::vector<std::uint32_t> next(first_.begin(), first_.end() - 1);
  for (std::size_t k = 0; k < books.size(); ++k) lines_[next[books[k]]++] = lines[k];
}

namespace {

// One publication of a line: the seqlock around the values.
void write_line(ConsolidatedLine& l, const LineMeta& m, std::uint16_t bid_count,
                std::uint16_t ask_count, book::Level bid, book::Level ask) noexcept {
  // The line is ours alone: its seq and count are our own last stores.
  const std::uint64_t n = load(l.seq, kRelaxed) / 2 + 1;
  seqlock_write(l.seq, n, [&]() noexcept {
    store(l.status, static_cast<std::uint8_t>(m.status), kRelaxed);
    store(l.flags, m.flags, kRelaxed);
    store(l.px_exp, m.px_exp, kRelaxed);
    store(l.qty_exp, m.qty_exp, kRelaxed);
    store(l.bid_count, bid_count, kRelaxed);
    store(l.ask_count, ask_count, kRelaxed);
    store(l.best_bid_px, bid.px, kRelaxed);
    store(l.best_bid_qty, bid.qty, kRelaxed);
    store(l.best_ask_px, ask.px, kRelaxed);
    store(l.best_ask_qty, ask.qty, kRelaxed);
    store(l.ts_exchange_ns, m.ts_exchange_ns, kRelaxed);
    store(l.ts_recv_ns, m.ts_recv_ns, kRelaxed);
  });
  store(l.ts_publish_ns, m.ts_publish_ns, kRelaxed);
  store(l.update_count, n, kRelaxed);
}

std::uint16_t capped(std::size_t n) noexcept {
  return static_cast<std::uint16_t>(std::min<std::size_t>(n, 0xFFFF));
}

}  // namespace

void MemberLines::publish_lines(std::uint32_t i, const book::L2Book& book,
                                const LineMeta& meta) noexcept {
  book::Level bid{};
  book::Level ask{};
  (void)book.best(book::Side::bid, bid);
  (void)book.best(book::Side::ask, ask);
  const std::uint16_t nb = capped(book.level_count(book::Side::bid));
  const std::uint16_t na = capped(book.level_count(book::Side::ask));
  LineMeta m = meta;
  m.flags = static_cast<std::uint8_t>((book.crossed() ? kFlagCrossed : kFlagNone) |
                                      (book.truncated() ? kFlagTruncated : kFlagNone));
  for (std::uint32_t k = first_[i]; k < first_[i + 1]; ++k)
    write_line(*lines_[k], m, nb, na, bid, ask);
}

void MemberLines::set_status(std::uint32_t i, Status status, std::int64_t ts_publish_ns) noexcept {
  if (i + 1 >= first_.size()) return;
  for (std::uint32_t k = first_[i]; k < first_[i + 1]; ++k) {
    const ConsolidatedLine& l = *lines_[k];
    LineMeta m;
    m.status = status;
    m.flags = load(l.flags, kRelaxed);
    m.px_exp = load(l.px_exp, kRelaxed);
    m.qty_exp = load(l.qty_exp, kRelaxed);
    m.ts_exchange_ns = load(l.ts_exchange_ns, kRelaxed);
    m.ts_recv_ns = load(l.ts_recv_ns, kRelaxed);
    m.ts_publish_ns = ts_publish_ns;
    const book::Level bid{load(l.best_bid_px, kRelaxed), load(l.best_bid_qty, kRelaxed)};
    const book::Level ask{load(l.best_ask_px, kRelaxed), load(l.best_ask_qty, kRelaxed)};
    write_line(*lines_[k], m, load(l.bid_count, kRelaxed), load(l.ask_count, kRelaxed), bid, ask);
  }
}

void MemberLines::heartbeat(std::int64_t now_monotonic_ns) noexcept {
  // Relaxed: a lone word, readers only compare it with their clock.
  for (ConsolidatedLine* l : lines_) store(l->heartbeat_ns, now_monotonic_ns, kRelaxed);
}

}  // namespace wirebook::shm
