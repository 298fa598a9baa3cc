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

#include "tests/common/process.hpp"
#include "tests/shm/test_util.hpp"

namespace wirebook::tools_test {

namespace t = wirebook::shm::test;

using testproc::env_or_fail;
using testproc::read_file;
using testproc::RunResult;

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

// testproc::spawn, with the child registered for the shm test utilities'
// clean-up of children still running at exit.
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path,
                   const std::string& err_path) {
  const pid_t pid = testproc::spawn(argv, out_path, err_path);
  t::live_children().push_back(pid);
  return pid;
}

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
