#pragma once
// wirebook consolidated BBO reader, C++ header-only (DESIGN.md §9a).
//
//   wirebook::shm::ConsolidatedReader r;
//   if (ConsolidatedReader::open("/dev/shm/wirebook/main", r) != OpenError::ok) ...
//   wirebook::shm::ConsolidatedBbo b;
//   if (r.read(r.find("BTC-PERP"), b) == ReadResult::ok && b.has_bid()) ...
//       b.member[b.best_bid].bid  (at b.member[b.best_bid].px_exp)
//
// The daemon's `[[consolidated]]` names each map to member venues' symbols;
// every member has one line, written only by its venue's thread when it
// publishes that book or changes its status. read() returns every member's
// line and the best bid and ask across the members that are trusted: LIVE,
// the daemon alive and the member's venue thread beating (as of refresh()).
// A member that is not trusted is never the best.
//
// Threading: one thread per reader (open one per thread). read() and
// read_member() never block the writers, make no system calls and never
// allocate; open() and refresh() are cold. Call refresh() periodically (e.g.
// every 100 ms) so liveness is current. Errors are values, nothing throws.
//
// Seqlock, reader half of one copy (the writer half is seqlock_write in
// shm/writer.hpp): (R1) acquire load of seq, odd = being written: retry;
// (R2) relaxed loads; (R3) acquire fence; (R4) seq unchanged => consistent.
#include <sys/stat.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <wirebook/reader.hpp>
#include <wirebook/segment_map.hpp>
#include <wirebook/shm_layout.hpp>

namespace wirebook::shm {

// One member's line.
struct MemberTop {
  Status status = Status::syncing;
  std::uint8_t flags = 0;
  std::int8_t px_exp = 0;
  std::int8_t qty_exp = 0;
  std::uint16_t bid_count = 0;  // 0: no bid (bid is {0, 0})
  std::uint16_t ask_count = 0;
  Level bid{0, 0};
  Level ask{0, 0};
  std::int64_t ts_exchange_ns = 0;
  std::int64_t ts_recv_ns = 0;
  std::int64_t ts_publish_ns = 0;
  std::uint64_t update_count = 0;  // 0: never published
  bool writer_ok = false;          // daemon alive and this venue's thread beating, as of refresh()
  [[nodiscard]] bool trusted() const noexcept { return writer_ok && status == Status::live; }
};

// Every member of one name and the best across its trusted members.
struct ConsolidatedBbo {
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  std::uint32_t members = 0;  // entries of member[] filled, in configuration order
  MemberTop member[kMaxConsolidatedMembers];
  std::uint32_t best_bid = kNone;  // index into member[]: the highest bid
  std::uint32_t best_ask = kNone;  // the lowest ask
  [[nodiscard]] bool has_bid() const noexcept { return best_bid != kNone; }
  [[nodiscard]] bool has_ask() const noexcept { return best_ask != kNone; }
};

namespace detail {

// Sign of a * 10^ea - b * 10^eb, exactly (the members' exponents differ).
[[nodiscard]] inline int compare_scaled(std::int64_t a, int ea, std::int64_t b, int eb) noexcept {
  if (ea < eb) return -compare_scaled(b, eb, a, ea);
  // ea >= eb: compare a * 10^(ea - eb) with b. When the product leaves int64,
  // its magnitude exceeds any int64 b, so a's sign decides.
  std::int64_t scaled = a;
  for (int k = 0; k < ea - eb; ++k) {
    if (__builtin_mul_overflow(scaled, 10, &scaled)) return a > 0 ? 1 : -1;
  }
  return scaled > b ? 1 : (scaled < b ? -1 : 0);
}

// True when `x`'s side beats `best`'s: a better price, or the same price and
// more size (`higher`: bids, where the higher price wins).
[[nodiscard]] inline bool better(const MemberTop& x, const Level& xl, const MemberTop& best,
                                 const Level& bl, bool higher) noexcept {
  const int c = compare_scaled(xl.px, x.px_exp, bl.px, best.px_exp);
  if (c != 0) return higher ? c > 0 : c < 0;
  return compare_scaled(xl.qty, x.qty_exp, bl.qty, best.qty_exp) > 0;
}

}  // namespace detail

class ConsolidatedReader {
 public:
  static constexpr int kMaxAttempts = 1000;

  ConsolidatedReader() = default;
  ConsolidatedReader(ConsolidatedReader&&) noexcept = default;
  ConsolidatedReader& operator=(ConsolidatedReader&&) noexcept = default;

  // Opens `<dir>/consolidated` (missing when the instance configures no
  // [[consolidated]]). On error `out` is unchanged.
  [[nodiscard]] static OpenError open(const std::string& dir, ConsolidatedReader& out,
                                      const ReaderOptions& opt = {}) {
    ConsolidatedReader r;
    r.dir_ = dir;
    r.opt_ = opt;
    detail::Mapping m;
    int err = 0;
    const OpenError e =
        detail::map_segment(dir, kConsolidatedFile, SegmentKind::consolidated, opt, m, err);
    if (e != OpenError::ok) return e;
    if (!r.adopt(std::move(m))) return OpenError::corrupt;
    r.refresh();
    out = std::move(r);
    return OpenError::ok;
  }

  // ---- names and members (immutable) ----
  [[nodiscard]] std::uint32_t name_count() const noexcept { return name_count_; }
  [[nodiscard]] const char* name(std::uint32_t n) const noexcept {
    return n < name_count_ ? names_[n].name : "";
  }
  // Index of `name`, or name_count() when absent (reads then return bad_instrument).
  [[nodiscard]] std::uint32_t find(std::string_view name) const noexcept {
    for (std::uint32_t n = 0; n < name_count_; ++n) {
      if (name == std::string_view(names_[n].name, ::strnlen(names_[n].name, kSymbolLen))) return n;
    }
    return name_count_;
  }
  [[nodiscard]] std::uint32_t member_count(std::uint32_t n) const noexcept {
    return n < name_count_ ? names_[n].member_count : 0;
  }
  [[nodiscard]] const char* member_venue(std::uint32_t n, std::uint32_t k) const noexcept {
    return k < member_count(n) ? members_[names_[n].first_member + k].venue : "";
  }
  [[nodiscard]] const char* member_symbol(std::uint32_t n, std::uint32_t k) const noexcept {
    return k < member_count(n) ? members_[names_[n].first_member + k].symbol : "";
  }

  // ---- lines (hot: no syscalls, no allocation) ----
  // Member k of name n: ok, empty (never published: status syncing),
  // bad_instrument or busy.
  [[nodiscard]] ReadResult read_member(std::uint32_t n, std::uint32_t k,
                                       MemberTop& out) const noexcept {
    if (k >= member_count(n)) return ReadResult::bad_instrument;
    const std::uint32_t m = names_[n].first_member + k;
    out = MemberTop{};
    out.writer_ok = member_ok_[m] != 0;
    return read_line(lines_[m], out);
  }

  // Every member of name n and the best bid and ask across the trusted ones.
  // busy when a line could not be read (try again); bad_instrument for an
  // unknown n. A member never published reads as SYNCING.
  [[nodiscard]] ReadResult read(std::uint32_t n, ConsolidatedBbo& out) const noexcept {
    if (n >= name_count_) return ReadResult::bad_instrument;
    out.members = member_count(n);
    out.best_bid = ConsolidatedBbo::kNone;
    out.best_ask = ConsolidatedBbo::kNone;
    for (std::uint32_t k = 0; k < out.members; ++k) {
      MemberTop& t = out.member[k];
      if (read_member(n, k, t) == ReadResult::busy) return ReadResult::busy;
      if (!t.trusted()) continue;
      if (t.bid_count > 0 && (!out.has_bid() || detail::better(t, t.bid, out.member[out.best_bid],
                                                               out.member[out.best_bid].bid, true)))
        out.best_bid = k;
      if (t.ask_count > 0 &&
          (!out.has_ask() ||
           detail::better(t, t.ask, out.member[out.best_ask], out.member[out.best_ask].ask, false)))
        out.best_ask = k;
    }
    return ReadResult::ok;
  }

  // ---- liveness (cold: system calls) ----
  // Re-evaluates the daemon and every member's venue thread; attaches to a
  // new segment at the path (the daemon restarted; names may have changed).
  Liveness refresh(std::int64_t now_monotonic_ns = detail::monotonic_ns()) noexcept {
    const std::string path = dir_ + "/" + kConsolidatedFile;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      live_ = Liveness::missing;
    } else {
      if (st.st_ino != map_.ino || st.st_dev != map_.dev) reattach();
      live_ = evaluate(now_monotonic_ns);
    }
    for (std::uint32_t m = 0; m < member_total_; ++m) {
      const std::int64_t beat = detail::load(lines_[m].heartbeat_ns, std::memory_order_relaxed);
      const bool beating = opt_.heartbeat_timeout_ns <= 0 ||
                           (beat != 0 && now_monotonic_ns - beat <= opt_.heartbeat_timeout_ns);
      member_ok_[m] = live_ == Liveness::alive && beating ? 1 : 0;
    }
    return live_;
  }
  [[nodiscard]] Liveness liveness() const noexcept { return live_; }
  [[nodiscard]] std::uint64_t generation() const noexcept { return map_.header()->generation; }

 private:
  bool adopt(detail::Mapping&& m) {
    const SegmentHeader& h = *m.header();
    const auto* names =
        reinterpret_cast<const ConsolidatedName*>(m.base + h.sections[kSecConsNames].offset);
    // Names are immutable: check once that every member range is inside.
    for (std::uint32_t n = 0; n < h.instrument_count; ++n) {
      if (names[n].member_count > kMaxConsolidatedMembers ||
          names[n].first_member > h.member_count ||
          names[n].member_count > h.member_count - names[n].first_member)
        return false;
    }
    map_ = std::move(m);
    names_ = names;
    members_ =
        reinterpret_cast<const ConsolidatedMember*>(map_.base + h.sections[kSecConsMembers].offset);
    lines_ =
        reinterpret_cast<const ConsolidatedLine*>(map_.base + h.sections[kSecConsLines].offset);
    name_count_ = h.instrument_count;
    member_total_ = h.member_count;
    member_ok_.assign(member_total_, 0);
    return true;
  }

  void reattach() noexcept {
    try {
      detail::Mapping m;
      int err = 0;
      if (detail::map_segment(dir_, kConsolidatedFile, SegmentKind::consolidated, opt_, m, err) ==
          OpenError::ok) {
        (void)adopt(std::move(m));
      }
    } catch (...) {
      // allocation failed: keep the old mapping (its writer reads as dead)
    }
  }

  [[nodiscard]] Liveness evaluate(std::int64_t now) const noexcept {
    return detail::segment_liveness(map_, now, opt_.heartbeat_timeout_ns);
  }

  [[nodiscard]] static ReadResult read_line(const ConsolidatedLine& l, MemberTop& out) noexcept {
    using detail::load;
    constexpr auto kRelaxed = std::memory_order_relaxed;
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      const std::uint64_t seq = load(l.seq, std::memory_order_acquire);  // (R1)
      if (seq == 0) return ReadResult::empty;
      if ((seq & 1U) != 0) {  // being written
        detail::cpu_relax();
        continue;
      }
      out.status = static_cast<Status>(load(l.status, kRelaxed));  // (R2)
      out.flags = load(l.flags, kRelaxed);
      out.px_exp = load(l.px_exp, kRelaxed);
      out.qty_exp = load(l.qty_exp, kRelaxed);
      out.bid_count = load(l.bid_count, kRelaxed);
      out.ask_count = load(l.ask_count, kRelaxed);
      out.bid = Level{load(l.best_bid_px, kRelaxed), load(l.best_bid_qty, kRelaxed)};
      out.ask = Level{load(l.best_ask_px, kRelaxed), load(l.best_ask_qty, kRelaxed)};
      out.ts_exchange_ns = load(l.ts_exchange_ns, kRelaxed);
      out.ts_recv_ns = load(l.ts_recv_ns, kRelaxed);
      std::atomic_thread_fence(std::memory_order_acquire);  // (R3)
      if (load(l.seq, kRelaxed) == seq) {                   // (R4)
        // Outside the seqlock: bookkeeping only, never part of a decision.
        out.ts_publish_ns = load(l.ts_publish_ns, kRelaxed);
        out.update_count = seq / 2;
        return ReadResult::ok;
      }
      detail::cpu_relax();
    }
    return ReadResult::busy;
  }

  detail::Mapping map_;
  std::string dir_;
  ReaderOptions opt_;
  const ConsolidatedName* names_ = nullptr;
  const ConsolidatedMember* members_ = nullptr;
  const ConsolidatedLine* lines_ = nullptr;
  std::uint32_t name_count_ = 0;
  std::uint32_t member_total_ = 0;
  std::vector<std::uint8_t> member_ok_;  // per member, as of refresh()
  Liveness live_ = Liveness::dead;
};

}  // namespace wirebook::shm
