// Creation of segment files: the cold, syscall-heavy part of the writer.
//
// Sequence (DESIGN §6): instance directory (0750, ours, not writable by
// others) -> check the target path (refuse symlinks, foreign files and live
// writers) -> temp file with O_CREAT|O_EXCL|O_NOFOLLOW -> exact mode/group ->
// lifetime lock (OFD write lock, held until the writer closes the fd) ->
// fallocate -> map pre-faulted -> initialise -> rename into place. Readers can
// only ever see a fully initialised, locked file.
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "shm/writer.hpp"

namespace wirebook::shm {
namespace {

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int release() noexcept {
    const int f = fd;
    fd = -1;
    return f;
  }
};

CreateStatus fail(CreateError e, int err, std::string detail) {
  if (err != 0) detail += std::string(": ") + std::strerror(err);
  return CreateStatus{e, err, std::move(detail)};
}

// mkdir -p for the parents (0755: they only hold directories), `mode` for the leaf.
CreateStatus make_dirs(const std::string& dir, mode_t mode, gid_t group) {
  if (dir.empty() || dir[0] != '/')
    return fail(CreateError::bad_config, 0, "directory must be absolute: " + dir);
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string part = dir.substr(0, pos);
    const bool leaf = pos == dir.size() || dir.find_first_not_of('/', pos) == std::string::npos;
    if (::mkdir(part.c_str(), leaf ? mode : 0755) == 0) {
      if (leaf) {
        // mkdir applies the umask; the configured mode is the contract.
        if (::chmod(part.c_str(), mode) != 0)
          return fail(CreateError::io_error, errno, "chmod " + part);
        if (group != static_cast<gid_t>(-1) &&
            ::chown(part.c_str(), static_cast<uid_t>(-1), group) != 0) {
          return fail(CreateError::io_error, errno, "chown " + part);
        }
      }
    } else if (errno != EEXIST) {
      return fail(CreateError::io_error, errno, "mkdir " + part);
    }
    if (leaf) break;
  }
  return {};
}

CreateStatus open_dir(const std::string& dir, Fd& out) {
  out.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (out.fd < 0) return fail(CreateError::bad_directory, errno, "open directory " + dir);
  struct stat st {};
  if (::fstat(out.fd, &st) != 0) return fail(CreateError::io_error, errno, "fstat " + dir);
  if (st.st_uid != ::geteuid())
    return fail(CreateError::bad_directory, 0, "directory not owned by us: " + dir);
  if ((st.st_mode & S_IWOTH) != 0)
    return fail(CreateError::bad_directory, 0, "directory writable by others: " + dir);
  return {};
}

// Returns true in `replace` when the path holds a previous generation of our
// own segment whose writer is gone.
CreateStatus check_target(int dirfd, const std::string& dir, const std::string& name,
                          SegmentKind kind, bool& replace) {
  replace = false;
  const std::string path = dir + "/" + name;
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return {};
    return fail(CreateError::io_error, errno, "stat " + path);
  }
  if (S_ISLNK(st.st_mode))
    return fail(CreateError::target_is_symlink, 0, "refusing symlink at " + path);
  if (!S_ISREG(st.st_mode))
    return fail(CreateError::target_exists, 0, "not a regular file at " + path);
  if (st.st_uid != ::geteuid())
    return fail(CreateError::target_exists, 0, "file owned by another user at " + path);
  Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.fd < 0) return fail(CreateError::io_error, errno, "open " + path);
  SegmentHeader h{};
  if (::pread(fd.fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h) || h.magic != kMagic ||
      h.kind != static_cast<std::uint16_t>(kind)) {
    return fail(CreateError::target_exists, 0,
                "not a wirebook segment, refusing to replace " + path);
  }
  struct flock lk {};
  lk.l_type = F_WRLCK;
  lk.l_whence = SEEK_SET;
  if (::fcntl(fd.fd, F_OFD_GETLK, &lk) != 0)
    return fail(CreateError::io_error, errno, "F_OFD_GETLK " + path);
  if (lk.l_type != F_UNLCK)
    return fail(CreateError::writer_active, 0, "a live writer holds " + path);
  replace = true;
  return {};
}

// Removes temp files of `file_name` left by writers that died mid-creation. A
// temp file is locked by its creator from the moment it exists, so an
// unlocked one is abandoned.
void remove_stale_temps(int dirfd, const std::string& file_name) {
  const int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return;
  DIR* d = ::fdopendir(dup);
  if (d == nullptr) {
    ::close(dup);
    return;
  }
  const std::string prefix = ".tmp-" + file_name + "-";
  while (const dirent* e = ::readdir(d)) {
    if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) != 0) continue;
    Fd fd(::openat(dirfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.fd < 0) continue;
    struct flock lk {};
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    if (::fcntl(fd.fd, F_OFD_GETLK, &lk) == 0 && lk.l_type == F_UNLCK)
      ::unlinkat(dirfd, e->d_name, 0);
  }
  ::closedir(d);
}

std::uint64_t random_u64() {
  std::uint64_t v = 0;
  while (v == 0) {
    if (::getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v)) v = 0;
  }
  return v;
}

// Block 0 of the header, except the magic (written last, see create()).
void fill_identity(SegmentHeader& h, SegmentKind kind, std::uint64_t size) {
  h.layout_major = kLayoutMajor;
  h.layout_minor = kLayoutMinor;
  h.kind = static_cast<std::uint16_t>(kind);
  h.header_size = sizeof(SegmentHeader);
  h.abi_hash = kAbiHash;
  h.generation = random_u64();
  h.segment_size = size;
  h.writer_pid = static_cast<std::int32_t>(::getpid());
  h.writer_start_time = 0;
  if (std::FILE* f = std::fopen("/proc/self/stat", "re")) {
    char buf[1024];
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    // Field 22 (starttime); fields 3.. follow the last ')' of the comm field.
    if (const char* q = std::strrchr(buf, ')')) {
      unsigned long long v = 0;
      if (std::sscanf(
              q + 1,
              " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
              &v) == 1) {
        h.writer_start_time = v;
      }
    }
  }
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  h.created_realtime_ns = ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

}  // namespace

std::string default_instance_dir(const std::string& instance) {
  return std::string(kDefaultRoot) + "/" + instance;
}

MappedSegment::~MappedSegment() {
  if (base_ != nullptr) ::munmap(base_, size_);
  if (fd_ >= 0) ::close(fd_);
}

CreateStatus MappedSegment::create(const SegmentOptions& options, const std::string& file_name,
                                   SegmentKind kind, std::uint64_t size,
                                   void (*fill)(char* base, void* ctx), void* ctx) {
  std::string dir = options.dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (CreateStatus s = make_dirs(dir, options.dir_mode, options.group); !s.ok()) return s;
  Fd dirfd;
  if (CreateStatus s = open_dir(dir, dirfd); !s.ok()) return s;
  bool replace = false;
  if (CreateStatus s = check_target(dirfd.fd, dir, file_name, kind, replace); !s.ok()) return s;

  remove_stale_temps(dirfd.fd, file_name);
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, "-%d-%016llx", static_cast<int>(::getpid()),
                static_cast<unsigned long long>(random_u64()));
  const std::string tmp = ".tmp-" + file_name + suffix;
  Fd fd(::openat(dirfd.fd, tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 options.file_mode));
  if (fd.fd < 0) return fail(CreateError::io_error, errno, "create " + dir + "/" + tmp);
  auto cleanup_fail = [&](CreateError e, int err, const std::string& what) {
    ::unlinkat(dirfd.fd, tmp.c_str(), 0);
    return fail(e, err, what + " " + dir + "/" + tmp);
  };
  if (::fchmod(fd.fd, options.file_mode) != 0)
    return cleanup_fail(CreateError::io_error, errno, "fchmod");
  if (options.group != static_cast<gid_t>(-1) &&
      ::fchown(fd.fd, static_cast<uid_t>(-1), options.group) != 0) {
    return cleanup_fail(CreateError::io_error, errno, "fchown");
  }
  // Lifetime lock: an OFD write lock on the whole file, held as long as this
  // descriptor is open (released by the kernel when the process dies).
  struct flock lk {};
  lk.l_type = F_WRLCK;
  lk.l_whence = SEEK_SET;
  if (::fcntl(fd.fd, F_OFD_SETLK, &lk) != 0)
    return cleanup_fail(CreateError::io_error, errno, "lock");
  const int fa = ::fallocate(fd.fd, 0, 0, static_cast<off_t>(size));
  if (fa != 0 && (errno != EOPNOTSUPP || ::ftruncate(fd.fd, static_cast<off_t>(size)) != 0)) {
    return cleanup_fail(CreateError::io_error, errno, "fallocate");
  }
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd.fd, 0);
  if (p == MAP_FAILED) return cleanup_fail(CreateError::io_error, errno, "mmap");
  base_ = static_cast<char*>(p);
  size_ = size;
  std::memset(base_, 0, size);  // pre-faults every page for writing

  auto* h = reinterpret_cast<SegmentHeader*>(base_);
  fill_identity(*h, kind, size);
  fill(base_, ctx);
  if (options.before_publish_hook != nullptr) options.before_publish_hook(options.hook_ctx);
  // The magic goes last: even a reader that somehow opened the temp file would
  // reject it until everything else is in place.
  detail::store(h->magic, kMagic, std::memory_order_release);

  const int rc =
      replace ? ::renameat(dirfd.fd, tmp.c_str(), dirfd.fd, file_name.c_str())
              : ::renameat2(dirfd.fd, tmp.c_str(), dirfd.fd, file_name.c_str(), RENAME_NOREPLACE);
  if (rc != 0) {
    const int err = errno;
    ::munmap(base_, size_);
    base_ = nullptr;
    size_ = 0;
    return cleanup_fail(err == EEXIST ? CreateError::target_exists : CreateError::io_error, err,
                        "rename to " + file_name + " from");
  }
  fd_ = fd.release();
  path_ = dir + "/" + file_name;
  return {};
}

}  // namespace wirebook::shm
