#pragma once
// Child processes for the tests that drive real binaries (tests/daemon,
// tests/tools): run to completion with captured output, or keep running
// (stdin from /dev/null, stdout/stderr to files) until stopped. Children die
// with the test (PR_SET_PDEATHSIG) and a Child kills its process on
// destruction, so a failing test leaves nothing behind.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace wirebook::testproc {

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

// Forks and execs argv with stdin from /dev/null and stdout/stderr redirected
// to the given files.
// `env` entries ("K=V") are added in the child; "K=$PID" is replaced by the child's pid.
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path,
                   const std::string& err_path, const std::vector<std::string>& env = {}) {
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
    for (const auto& kv : env) {
      const auto eq = kv.find('=');
      std::string value = kv.substr(eq + 1);
      if (value == "$PID") value = std::to_string(::getpid());
      ::setenv(kv.substr(0, eq).c_str(), value.c_str(), 1);
    }
    // Signals the test runner may have blocked would be inherited.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// Waits up to `timeout` for pid; returns its exit status (128+signal when
// killed by one) or -1 on timeout (the process is left running).
inline int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -2;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs to completion (killed after `timeout`).
inline RunResult run(const std::vector<std::string>& argv, const std::string& scratch_dir,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const std::string out = scratch_dir + "/run.out";
  const std::string err = scratch_dir + "/run.err";
  const pid_t pid = spawn(argv, out, err);
  RunResult r;
  r.status = wait_exit(pid, timeout);
  if (r.status == -1) {
    ::kill(pid, SIGKILL);
    (void)wait_exit(pid, std::chrono::seconds(5));
  }
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

// A long-running child; killed (SIGKILL) if still running on destruction.
class Child {
 public:
  Child(const std::vector<std::string>& argv, std::string out_path, std::string err_path,
        const std::vector<std::string>& env = {})
      : out_(std::move(out_path)), err_(std::move(err_path)), pid_(spawn(argv, out_, err_, env)) {}
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      (void)wait_exit(pid_, std::chrono::seconds(5));
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  void signal(int signo) const { ::kill(pid_, signo); }
  // Exit status, or -1 on timeout.
  int wait(std::chrono::milliseconds timeout) {
    const int s = wait_exit(pid_, timeout);
    if (s != -1) pid_ = -1;
    return s;
  }
  [[nodiscard]] bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
  [[nodiscard]] std::string out() const { return read_file(out_); }
  [[nodiscard]] std::string err() const { return read_file(err_); }

 private:
  std::string out_;
  std::string err_;
  pid_t pid_;
};

// Polls `cond` every 20 ms until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

// The simulator's plain endpoints from its stdout ("WIREBOOK_SIM <venue> <url>"
// lines, one per venue when its wss:// port is off): venue -> url.
inline std::map<std::string, std::string> sim_urls(const std::string& out) {
  std::map<std::string, std::string> urls;
  std::istringstream in(out);
  std::string tag, venue, url;
  while (in >> tag) {
    if (tag != "WIREBOOK_SIM") {
      std::getline(in, url);
      continue;
    }
    in >> venue >> url;
    urls[venue] = url;
  }
  return urls;
}

// The REST base of a plain venue url: "ws://127.0.0.1:port/path" -> "http://127.0.0.1:port".
inline std::string rest_base(const std::string& url) {
  const auto host = url.find("://") + 3;
  return "http://" + url.substr(host, url.find('/', host) - host);
}

// A scratch directory under /tmp, removed with its contents.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/wirebook-daemon-test.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    const std::string cmd = "rm -rf '" + path_ + "'";
    (void)std::system(cmd.c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name)) << text;
    return file(name);
  }

 private:
  std::string path_;
};

}  // namespace wirebook::testproc
