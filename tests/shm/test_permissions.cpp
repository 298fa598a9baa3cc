// Permissions, squatting and validation: the writer refuses unsafe targets,
// the reader refuses segments it should not trust, each with its own error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <string>

#include <wirebook/reader.hpp>

#include "shm/writer.hpp"
#include "tests/shm/test_util.hpp"

using namespace wirebook::shm;
using wirebook::shm::test::TempDir;

namespace {

VenueConfig config(const char* name = "woo") {
  VenueConfig c;
  c.name = name;
  c.symbols = {"A", "B"};
  c.depth = 4;
  c.ring_capacity = 8;
  return c;
}

SegmentOptions options(const TempDir& d) {
  SegmentOptions o;
  o.dir = d.path();
  return o;
}

struct stat stat_of(const std::string& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st;
}

// Overwrites bytes of a published segment (as a forger would).
template <class T>
void patch(const std::string& path, std::size_t offset, T value) {
  const int fd = ::open(path.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::pwrite(fd, &value, sizeof value, static_cast<off_t>(offset)) ==
          static_cast<ssize_t>(sizeof value));
  ::close(fd);
}

OpenError open_err(const TempDir& d, const ReaderOptions& o = {}, const char* venue = "woo") {
  VenueReader r;
  return VenueReader::open(d.path(), venue, r, o);
}

}  // namespace

TEST_CASE("default modes are applied exactly: directory 0750, segment 0640", "[shm][perm]") {
  TempDir d;
  const mode_t old = ::umask(0077);  // a strict umask must not change the configured modes
  std::unique_ptr<VenueWriter> w;
  const CreateStatus st = VenueWriter::create(options(d), config(), w);
  ::umask(old);
  INFO(st.detail);
  REQUIRE(st.ok());
  REQUIRE((stat_of(d.path()).st_mode & 07777) == 0750);
  REQUIRE((stat_of(w->path()).st_mode & 07777) == 0640);
  REQUIRE(w->path() == d.path() + "/venue-woo");
}

TEST_CASE("configured mode and group are applied", "[shm][perm]") {
  TempDir d;
  SegmentOptions o = options(d);
  o.file_mode = 0600;
  o.dir_mode = 0710;
  o.group = 4242;  // we run the suite as root in CI; otherwise use our own group
  if (::geteuid() != 0) o.group = ::getegid();
  std::unique_ptr<VenueWriter> w;
  const CreateStatus st = VenueWriter::create(o, config(), w);
  INFO(st.detail);
  REQUIRE(st.ok());
  const struct stat f = stat_of(w->path());
  REQUIRE((f.st_mode & 07777) == 0600);
  REQUIRE(f.st_gid == o.group);
  REQUIRE((stat_of(d.path()).st_mode & 07777) == 0710);
  REQUIRE(stat_of(d.path()).st_gid == o.group);
}

TEST_CASE("a foreign file at the target path is refused and left alone", "[shm][perm]") {
  TempDir d;
  REQUIRE(::mkdir(d.path().c_str(), 0750) == 0);
  const std::string target = d.path() + "/venue-woo";
  const int fd = ::open(target.c_str(), O_CREAT | O_WRONLY, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "squat", 5) == 5);
  ::close(fd);
  std::unique_ptr<VenueWriter> w;
  const CreateStatus st = VenueWriter::create(options(d), config(), w);
  REQUIRE(st.error == CreateError::target_exists);
  INFO(st.detail);
  REQUIRE(st.detail.find(target) != std::string::npos);
  REQUIRE(stat_of(target).st_size == 5);
  REQUIRE(w == nullptr);
}

TEST_CASE("a symlink at the target path is refused and its target untouched", "[shm][perm]") {
  TempDir d;
  REQUIRE(::mkdir(d.path().c_str(), 0750) == 0);
  const std::string victim = d.root() + "/victim";
  const int fd = ::open(victim.c_str(), O_CREAT | O_WRONLY, 0644);
  REQUIRE(fd >= 0);
  ::close(fd);
  REQUIRE(::symlink(victim.c_str(), (d.path() + "/venue-woo").c_str()) == 0);
  std::unique_ptr<VenueWriter> w;
  const CreateStatus st = VenueWriter::create(options(d), config(), w);
  REQUIRE(st.error == CreateError::target_is_symlink);
  REQUIRE(stat_of(victim).st_size == 0);
  // Readers refuse to follow it too.
  REQUIRE(open_err(d) == OpenError::not_a_file);
}

TEST_CASE("a directory writable by others is refused", "[shm][perm]") {
  TempDir d;
  REQUIRE(::mkdir(d.path().c_str(), 0777) == 0);
  REQUIRE(::chmod(d.path().c_str(), 0777) == 0);
  std::unique_ptr<VenueWriter> w;
  REQUIRE(VenueWriter::create(options(d), config(), w).error == CreateError::bad_directory);
}

TEST_CASE(
    "a second writer is refused while the first is alive; a restart replaces the old generation",
    "[shm][perm]") {
  TempDir d;
  std::unique_ptr<VenueWriter> w1;
  REQUIRE(VenueWriter::create(options(d), config(), w1).ok());
  const std::uint64_t g1 = w1->generation();
  std::unique_ptr<VenueWriter> w2;
  REQUIRE(VenueWriter::create(options(d), config(), w2).error == CreateError::writer_active);
  w1.reset();  // writer gone: lock released, file left in place
  REQUIRE(VenueWriter::create(options(d), config(), w2).ok());
  REQUIRE(w2->generation() != g1);
  VenueReader r;
  REQUIRE(VenueReader::open(d.path(), "woo", r) == OpenError::ok);
  REQUIRE(r.generation() == w2->generation());
}

TEST_CASE("readers report a missing segment", "[shm][perm]") {
  TempDir d;
  REQUIRE(open_err(d) == OpenError::missing);
  std::unique_ptr<VenueWriter> w;
  REQUIRE(VenueWriter::create(options(d), config(), w).ok());
  REQUIRE(open_err(d, {}, "pulse") == OpenError::missing);
  InstanceReader in;
  REQUIRE(InstanceReader::open(d.path(), in) == OpenError::missing);
}

TEST_CASE("readers refuse wrong magic, major version and ABI hash", "[shm][perm]") {
  TempDir d;
  std::unique_ptr<VenueWriter> w;
  REQUIRE(VenueWriter::create(options(d), config(), w).ok());
  REQUIRE(open_err(d) == OpenError::ok);
  SECTION("magic") {
    patch(w->path(), offsetof(SegmentHeader, magic), std::uint64_t{0x1234});
    REQUIRE(open_err(d) == OpenError::bad_magic);
    REQUIRE(std::string(to_string(OpenError::bad_magic)).find("magic") != std::string::npos);
  }
  SECTION("major") {
    patch(w->path(), offsetof(SegmentHeader, layout_major), std::uint16_t{kLayoutMajor + 1});
    REQUIRE(open_err(d) == OpenError::incompatible_major);
  }
  SECTION("the previous major (no positions section)") {
    patch(w->path(), offsetof(SegmentHeader, layout_major), std::uint16_t{kLayoutMajor - 1});
    REQUIRE(open_err(d) == OpenError::incompatible_major);
  }
  SECTION("abi") {
    patch(w->path(), offsetof(SegmentHeader, abi_hash), kAbiHash ^ 1U);
    REQUIRE(open_err(d) == OpenError::incompatible_abi);
  }
  SECTION("section table") {
    patch(w->path(), offsetof(SegmentHeader, sections) + sizeof(Section) * kSecRing,
          std::uint64_t{1} << 40U);
    REQUIRE(open_err(d) == OpenError::corrupt);
  }
  SECTION("positions section that does not match its capacity") {
    patch(w->path(), offsetof(SegmentHeader, position_capacity), std::uint32_t{1000});
    REQUIRE(open_err(d) == OpenError::corrupt);
  }
  SECTION("kind") {
    InstanceReader in;
    const std::string ctl = d.path() + "/control";
    REQUIRE(::link(w->path().c_str(), ctl.c_str()) == 0);
    REQUIRE(InstanceReader::open(d.path(), in) == OpenError::wrong_kind);
  }
}

TEST_CASE("a short file of another layout major is incompatible, not truncated", "[shm][perm]") {
  TempDir d;
  std::unique_ptr<VenueWriter> w;
  REQUIRE(VenueWriter::create(options(d), config(), w).ok());
  w.reset();
  // A header of a future layout, shorter than ours.
  REQUIRE(::truncate((d.path() + "/venue-woo").c_str(), 256) == 0);
  patch(d.path() + "/venue-woo", offsetof(SegmentHeader, layout_major),
        std::uint16_t{kLayoutMajor + 1});
  REQUIRE(open_err(d) == OpenError::incompatible_major);
  patch(d.path() + "/venue-woo", offsetof(SegmentHeader, layout_major), kLayoutMajor);
  REQUIRE(open_err(d) == OpenError::truncated);
}

TEST_CASE("readers refuse a segment with the wrong owner or writable by others", "[shm][perm]") {
  TempDir d;
  std::unique_ptr<VenueWriter> w;
  REQUIRE(VenueWriter::create(options(d), config(), w).ok());
  ReaderOptions mine;
  mine.expected_uid = ::geteuid();
  SECTION("owner differs from the directory owner") {
    if (::geteuid() != 0) {
      WARN("not root: cannot chown, owner check skipped");
      return;
    }
    REQUIRE(::chown(w->path().c_str(), 4242, static_cast<gid_t>(-1)) == 0);
    REQUIRE(open_err(d) == OpenError::bad_owner);
    REQUIRE(open_err(d, mine) == OpenError::bad_owner);
    ReaderOptions theirs;
    theirs.expected_uid = 4242;
    REQUIRE(open_err(d, theirs) == OpenError::ok);
  }
  SECTION("explicit expected owner differs") {
    ReaderOptions other;
    other.expected_uid = static_cast<std::int64_t>(::geteuid()) + 1;
    REQUIRE(open_err(d, other) == OpenError::bad_owner);
    REQUIRE(open_err(d, mine) == OpenError::ok);
  }
  SECTION("group-writable segment") {
    REQUIRE(::chmod(w->path().c_str(), 0660) == 0);
    REQUIRE(open_err(d) == OpenError::bad_permissions);
  }
  SECTION("world-writable directory") {
    REQUIRE(::chmod(d.path().c_str(), 0757) == 0);
    REQUIRE(open_err(d) == OpenError::bad_permissions);
  }
}
