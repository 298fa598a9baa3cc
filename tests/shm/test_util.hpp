#pragma once
// Helpers for the shm tests: unique temp directories, forked children, shared
// anonymous memory for results, condition waits with generous timeouts.
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace wirebook::shm::test {

inline std::int64_t mono_ns() noexcept {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

inline std::uint64_t random_seed() {
  if (const char* s = std::getenv("WIREBOOK_SEED")) return std::strtoull(s, nullptr, 0);
  std::uint64_t v = 0;
  if (::getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v))
    v = static_cast<std::uint64_t>(mono_ns());
  return v;
}

inline bool long_tests() noexcept {
  const char* s = std::getenv("WIREBOOK_LONG_TESTS");
  return s != nullptr && s[0] == '1';
}

// splitmix64: deterministic payloads from a seed.
inline std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

// A directory unique to this test run, removed (recursively) at scope exit.
class TempDir {
 public:
  explicit TempDir(const char* tag = "t") {
    // /dev/shm is where segments live in production; /tmp if it is unusable here.
    for (const char* base : {"/dev/shm", "/tmp"}) {
      char buf[160];
      std::snprintf(
          buf, sizeof buf, "%s/wirebook-test-%d-%s-%016llx", base, static_cast<int>(::getpid()),
          tag,
          static_cast<unsigned long long>(random_seed() ^ static_cast<std::uint64_t>(mono_ns())));
      if (::mkdir(buf, 0755) == 0) {
        root_ = buf;
        path_ = root_ + "/inst";  // created by the writer (mode checks apply to it)
        return;
      }
    }
    std::abort();
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    ::nftw(
        root_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const std::string& root() const noexcept { return root_; }

 private:
  std::string root_;
  std::string path_;
};

// T placed in MAP_SHARED|MAP_ANONYMOUS memory, visible to forked children.
template <class T>
class Shared {
 public:
  Shared() {
    void* p = ::mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();
    obj_ = new (p) T();
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;
  ~Shared() {
    obj_->~T();
    ::munmap(obj_, sizeof(T));
  }
  T* operator->() const noexcept { return obj_; }
  T& operator*() const noexcept { return *obj_; }

 private:
  T* obj_;
};

// Children forked by a test that have not been reaped yet. A failing REQUIRE
// unwinds the test; ChildGuard then kills (SIGKILL) and reaps what is left so
// no spinning writer or reader outlives its test.
inline std::vector<pid_t>& live_children() {
  static std::vector<pid_t> pids;
  return pids;
}

inline void forget_child(pid_t pid) {
  auto& v = live_children();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == pid) {
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

struct ChildGuard {
  ChildGuard() = default;
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    for (pid_t pid : live_children()) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    live_children().clear();
  }
};

// Forks; the child runs fn() and _exits with its return value (never returns).
// The child also dies with the parent (PR_SET_PDEATHSIG).
template <class Fn>
pid_t fork_child(Fn&& fn) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) std::abort();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(98);
    int rc = 99;
    rc = std::forward<Fn>(fn)();
    ::_exit(rc);
  }
  live_children().push_back(pid);
  return pid;
}

// Waits for `pid` up to timeout; kills it (SIGKILL) on timeout. Returns the
// exit code, 128+signal if signalled, or -1 on timeout.
inline int wait_child(pid_t pid, std::int64_t timeout_ns) {
  const std::int64_t deadline = mono_ns() + timeout_ns;
  for (;;) {
    int st = 0;
    const pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) {
      forget_child(pid);
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    if (r < 0 && errno != EINTR) return -2;
    if (mono_ns() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      forget_child(pid);
      return -1;
    }
    ::usleep(1000);
  }
}

// Polls `cond` until true or timeout; returns whether it became true.
template <class Cond>
bool wait_until(Cond&& cond, std::int64_t timeout_ns) {
  const std::int64_t deadline = mono_ns() + timeout_ns;
  while (!cond()) {
    if (mono_ns() > deadline) return false;
    ::usleep(200);
  }
  return true;
}

inline constexpr std::int64_t kSecond = 1'000'000'000LL;

}  // namespace wirebook::shm::test
