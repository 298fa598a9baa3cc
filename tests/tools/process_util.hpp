#pragma once
// Child processes for the tools tests: the real `wirebook` binary run to
// completion with captured output, and the test writer kept running until
// the test ends. Every child dies with the test (PR_SET_PDEATHSIG) and is
// killed and reaped on destruction, so a failing test leaves nothing behind.
// All waits are on conditions with generous timeouts.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/shm/test_util.hpp"

namespace wirebook::tools_test {

namespace t = wirebook::shm::test;

inline std::string env_or_fail(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr)
    throw std::runtime_error(std::string(name) + " is not set (run via meson test)");
  return v;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < s.size()) {
    const std::size_t nl = s.find('\n', at);
    out.push_back(s.substr(at, nl == std::string::npos ? std::string::npos : nl - at));
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return out;
}

// Forks and execs argv, stdout/stderr to files, stdin from /dev/null.
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path,
                   const std::string& err_path) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(98);
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) ::_exit(97);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  t::live_children().push_back(pid);
  return pid;
}

struct RunResult {
  int status = -1;  // exit code, 128+signal, or -1 on timeout
  std::string out;
  std::string err;
};

// Runs `wirebook ARGS...` to completion (killed after 60 s).
inline RunResult run_cli(const std::vector<std::string>& args, const std::string& scratch) {
  std::vector<std::string> argv{env_or_fail("WIREBOOK_CLI")};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string out = scratch + "/cli.out";
  const std::string err = scratch + "/cli.err";
  RunResult r;
  r.status = t::wait_child(spawn(argv, out, err), 60 * t::kSecond);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

// The test writer (test_writer.cpp) running one scenario in `dir`.
class Writer {
 public:
  Writer(const std::string& dir, const std::string& scenario, const std::string& scratch)
      : out_(scratch + "/writer-" + scenario + ".out"), err_(scratch + "/writer.err") {
    pid_ = spawn({env_or_fail("WIREBOOK_TEST_WRITER"), dir, scenario}, out_, err_);
    const bool ready =
        t::wait_until([&] { return read_file(out_).find('\n') != std::string::npos || !running(); },
                      60 * t::kSecond);
    line_ = read_file(out_);
    if (!ready || line_.rfind("READY ", 0) != 0) {
      throw std::runtime_error("test writer not ready: " + line_ + read_file(err_));
    }
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() { stop(SIGKILL); }

  // Sends `sig` and reaps; returns the exit status (see wait_child).
  int stop(int sig) {
    if (pid_ <= 0) return 0;
    ::kill(pid_, sig);
    const int s = t::wait_child(pid_, 30 * t::kSecond);
    pid_ = -1;
    return s;
  }
  [[nodiscard]] bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
  // A "key=value" field of the READY line.
  [[nodiscard]] std::string field(const std::string& key) const {
    const std::size_t at = line_.find(key + "=");
    if (at == std::string::npos) return "";
    const std::size_t from = at + key.size() + 1;
    return line_.substr(from, line_.find_first_of(" \n", from) - from);
  }

 private:
  std::string out_;
  std::string err_;
  std::string line_;
  pid_t pid_ = -1;
};

}  // namespace wirebook::tools_test
