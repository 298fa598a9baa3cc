#pragma once
// Opening and validating segment files for the reader API (part of the
// installed reader headers; include <wirebook/reader.hpp> instead).
//
// Cold path: system calls and allocation are fine here. Nothing throws.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <wirebook/shm_layout.hpp>

namespace wirebook::shm {

enum class OpenError : std::uint8_t {
  ok = 0,
  missing,             // no segment at the path (writer not started, wrong instance/venue)
  not_a_file,          // a symlink or something other than a regular file
  bad_permissions,     // cannot open, or the file/directory is writable by others
  bad_owner,           // owned by someone other than the expected writer
  truncated,           // smaller than its header says
  bad_magic,           // not a wirebook segment
  incompatible_major,  // layout major version differs from this reader's
  incompatible_abi,    // same major, but the struct layout hash differs
  wrong_kind,          // a control segment where a venue was expected, or vice versa
  corrupt,             // section table out of bounds or inconsistent
  not_found,           // no such venue in the instance
  io_error,            // a system call failed unexpectedly
};

[[nodiscard]] inline const char* to_string(OpenError e) noexcept {
  switch (e) {
    case OpenError::ok:
      return "ok";
    case OpenError::missing:
      return "segment not found";
    case OpenError::not_a_file:
      return "segment path is not a regular file (symlink?)";
    case OpenError::bad_permissions:
      return "bad permissions on segment or directory";
    case OpenError::bad_owner:
      return "segment owned by an unexpected user";
    case OpenError::truncated:
      return "segment truncated";
    case OpenError::bad_magic:
      return "not a wirebook segment (bad magic)";
    case OpenError::incompatible_major:
      return "incompatible layout major version";
    case OpenError::incompatible_abi:
      return "incompatible layout (ABI hash mismatch)";
    case OpenError::wrong_kind:
      return "wrong segment kind";
    case OpenError::corrupt:
      return "corrupt segment header";
    case OpenError::not_found:
      return "venue not listed in the instance";
    case OpenError::io_error:
      return "system call failed";
  }
  return "unknown";
}

struct ReaderOptions {
  // Owner the segment must have; -1: the owner of the instance directory.
  std::int64_t expected_uid = -1;
  // refresh() reports `stale` when the heartbeat is older; 0 disables.
  std::int64_t heartbeat_timeout_ns = 1'000'000'000;
};

namespace detail {

// Owns the read-only mapping and descriptor of one segment file.
struct Mapping {
  int fd = -1;
  const char* base = nullptr;
  std::uint64_t size = 0;
  dev_t dev = 0;
  ino_t ino = 0;

  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  Mapping(Mapping&& o) noexcept { swap(o); }
  Mapping& operator=(Mapping&& o) noexcept {
    Mapping tmp(std::move(o));
    swap(tmp);
    return *this;
  }
  ~Mapping() {
    if (base != nullptr) ::munmap(const_cast<char*>(base), size);  // NOLINT
    if (fd >= 0) ::close(fd);
  }
  void swap(Mapping& o) noexcept {
    std::swap(fd, o.fd);
    std::swap(base, o.base);
    std::swap(size, o.size);
    std::swap(dev, o.dev);
    std::swap(ino, o.ino);
  }
  [[nodiscard]] const SegmentHeader* header() const noexcept {
    return reinterpret_cast<const SegmentHeader*>(base);
  }
};

[[nodiscard]] inline bool section_ok(const Section& s, std::uint64_t file_size) noexcept {
  return s.offset % kBlock == 0 && s.offset >= sizeof(SegmentHeader) && s.offset <= file_size &&
         s.size <= file_size - s.offset && static_cast<std::uint64_t>(s.count) * s.stride <= s.size;
}

[[nodiscard]] inline OpenError check_geometry(const SegmentHeader& h, std::uint64_t size) noexcept {
  if (h.kind == static_cast<std::uint16_t>(SegmentKind::control)) {
    const Section& v = h.sections[kSecVenues];
    return section_ok(v, size) && v.count == h.venue_count && v.stride == sizeof(VenueEntry)
               ? OpenError::ok
               : OpenError::corrupt;
  }
  if (h.kind == static_cast<std::uint16_t>(SegmentKind::consolidated)) {
    const Section& nm = h.sections[kSecConsNames];
    const Section& mb = h.sections[kSecConsMembers];
    const Section& ln = h.sections[kSecConsLines];
    const bool ok = h.instrument_count <= kMaxConsolidatedNames &&
                    h.member_count <= kMaxConsolidatedNames * kMaxConsolidatedMembers &&
                    section_ok(nm, size) && section_ok(mb, size) && section_ok(ln, size) &&
                    nm.count == h.instrument_count && nm.stride == sizeof(ConsolidatedName) &&
                    mb.count == h.member_count && mb.stride == sizeof(ConsolidatedMember) &&
                    ln.count == h.member_count && ln.stride == sizeof(ConsolidatedLine);
    return ok ? OpenError::ok : OpenError::corrupt;
  }
  const Section& in = h.sections[kSecInstruments];
  const Section& sl = h.sections[kSecSlots];
  const Section& rg = h.sections[kSecRing];
  const Section& ps = h.sections[kSecPositions];
  const bool ok = h.depth >= 1 && h.depth <= kMaxDepth && is_pow2(h.ring_capacity) &&
                  h.instrument_count <= kMaxInstruments && section_ok(in, size) &&
                  section_ok(sl, size) && section_ok(rg, size) && in.count == h.instrument_count &&
                  in.stride == sizeof(InstrumentInfo) && sl.count == h.instrument_count &&
                  sl.stride == 2 * slot_copy_stride(h.depth) && rg.count == h.ring_capacity &&
                  rg.stride == sizeof(RingRecord) && h.position_capacity <= kMaxPositions &&
                  section_ok(ps, size) && ps.count == h.position_capacity &&
                  ps.stride == kPositionSlotStride;
  return ok ? OpenError::ok : OpenError::corrupt;
}

// Opens, checks and maps `dir/file` read-only. `err` receives errno on io_error.
[[nodiscard]] inline OpenError map_segment(const std::string& dir, const std::string& file,
                                           SegmentKind kind, const ReaderOptions& opt, Mapping& out,
                                           int& err) noexcept {
  err = 0;
  const std::string path = dir + "/" + file;
  Mapping m;
  m.fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (m.fd < 0) {
    err = errno;
    if (err == ENOENT || err == ENOTDIR) return OpenError::missing;
    if (err == ELOOP) return OpenError::not_a_file;
    if (err == EACCES || err == EPERM) return OpenError::bad_permissions;
    return OpenError::io_error;
  }
  struct stat st {};
  struct stat dst {};
  if (::fstat(m.fd, &st) != 0 || ::stat(dir.c_str(), &dst) != 0) {
    err = errno;
    return OpenError::io_error;
  }
  if (!S_ISREG(st.st_mode)) return OpenError::not_a_file;
  // Anyone else able to write the file or swap it in the directory could feed us forged books.
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 || (dst.st_mode & S_IWOTH) != 0) {
    return OpenError::bad_permissions;
  }
  const auto owner = opt.expected_uid >= 0 ? static_cast<uid_t>(opt.expected_uid) : dst.st_uid;
  if (st.st_uid != owner) return OpenError::bad_owner;
  if (st.st_size < 8) return OpenError::bad_magic;
  m.size = static_cast<std::uint64_t>(st.st_size);
  m.dev = st.st_dev;
  m.ino = st.st_ino;
  void* p = ::mmap(nullptr, m.size, PROT_READ, MAP_SHARED, m.fd, 0);
  if (p == MAP_FAILED) {
    err = errno;
    return OpenError::io_error;
  }
  m.base = static_cast<const char*>(p);
  const SegmentHeader& h = *m.header();
  // Acquire pairs with the release store of the magic in MappedSegment::create:
  // the magic is written last, so a visible magic implies a complete header.
  if (load(h.magic, std::memory_order_acquire) != kMagic) return OpenError::bad_magic;
  // The version is checked before the header size: a header of another major
  // may be shorter or longer than ours, and "incompatible" is the useful answer.
  if (m.size < offsetof(SegmentHeader, kind)) return OpenError::truncated;
  if (h.layout_major != kLayoutMajor) return OpenError::incompatible_major;
  if (m.size < sizeof(SegmentHeader)) return OpenError::truncated;
  if (h.abi_hash != kAbiHash || h.header_size != sizeof(SegmentHeader))
    return OpenError::incompatible_abi;
  if (h.kind != static_cast<std::uint16_t>(kind)) return OpenError::wrong_kind;
  if (h.segment_size != m.size) return OpenError::truncated;
  if (OpenError e = check_geometry(h, m.size); e != OpenError::ok) return e;
  out = std::move(m);
  return OpenError::ok;
}

[[nodiscard]] inline std::int64_t monotonic_ns() noexcept {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// Probes the writer's lifetime lock without taking it (works on an O_RDONLY fd).
// Returns 1 held, 0 free, -1 error.
[[nodiscard]] inline int writer_lock_held(int fd) noexcept {
  struct flock lk {};
  lk.l_type = F_WRLCK;
  lk.l_whence = SEEK_SET;
  if (::fcntl(fd, F_OFD_GETLK, &lk) != 0) return -1;
  return lk.l_type == F_UNLCK ? 0 : 1;
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace detail

}  // namespace wirebook::shm
