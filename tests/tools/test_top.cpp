// `wirebook top` in a pseudo-terminal: its screen shows the selected book,
// keys switch symbol and venue, `q` and Ctrl-C quit and restore the terminal.
// Without a terminal it prints plain snapshots.
#include <poll.h>
#include <pty.h>
#include <termios.h>

#include <catch2/catch.hpp>
#include <string>

#include "tests/tools/process_util.hpp"

using namespace wirebook::tools_test;

namespace {

// Removes ANSI escape sequences (CSI ... final byte, and two-byte ESC x).
std::string screen_text(const std::string& raw) {
  std::string out;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    if (raw[k] != '\x1b') {
      out += raw[k];
      continue;
    }
    if (k + 1 < raw.size() && raw[k + 1] == '[') {
      k += 2;
      while (k < raw.size() && (raw[k] < 0x40 || raw[k] > 0x7e)) ++k;
    } else {
      ++k;
    }
  }
  return out;
}

// `wirebook top` on the slave side of a pty, 50 rows x 160 columns.
class PtyTop {
 public:
  explicit PtyTop(const std::vector<std::string>& args) {
    std::vector<std::string> argv{env_or_fail("WIREBOOK_CLI"), "top"};
    argv.insert(argv.end(), args.begin(), args.end());
    struct winsize ws {};
    ws.ws_row = 50;
    ws.ws_col = 160;
    const pid_t parent = ::getpid();
    pid_ = ::forkpty(&master_, nullptr, nullptr, &ws);
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(98);
      std::vector<char*> a;
      for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
      a.push_back(nullptr);
      ::execv(a[0], a.data());
      ::_exit(127);
    }
    t::live_children().push_back(pid_);
  }
  PtyTop(const PtyTop&) = delete;
  PtyTop& operator=(const PtyTop&) = delete;
  ~PtyTop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      (void)t::wait_child(pid_, 10 * t::kSecond);
    }
    ::close(master_);
  }

  // Reads until the screen text written since `mark` contains every needle.
  bool wait_for(std::size_t mark, const std::vector<std::string>& needles) {
    const std::int64_t deadline = t::mono_ns() + 60 * t::kSecond;
    while (t::mono_ns() < deadline) {
      const std::string text = screen_text(raw_.substr(mark));
      bool all = true;
      for (const auto& n : needles) all = all && text.find(n) != std::string::npos;
      if (all) return true;
      if (!pump(100)) return false;
    }
    return false;
  }
  void send(const std::string& keys) const {
    REQUIRE(::write(master_, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size()));
  }
  // Waits for the exit status, draining output meanwhile (the child may block on a full pty).
  int wait_exit() {
    const std::int64_t deadline = t::mono_ns() + 30 * t::kSecond;
    while (t::mono_ns() < deadline) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        t::forget_child(pid_);
        pid_ = -1;
        while (pump(0)) {
        }
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      (void)pump(20);
    }
    return -1;
  }
  [[nodiscard]] std::size_t mark() const { return raw_.size(); }
  [[nodiscard]] const std::string& raw() const { return raw_; }
  [[nodiscard]] int master() const { return master_; }

 private:
  // Appends what is readable within timeout_ms; false at EOF/error.
  bool pump(int timeout_ms) {
    struct pollfd p {
      master_, POLLIN, 0
    };
    const int n = ::poll(&p, 1, timeout_ms);
    if (n <= 0) return n == 0;
    char buf[4096];
    const ssize_t r = ::read(master_, buf, sizeof buf);
    if (r <= 0) return false;
    raw_.append(buf, static_cast<std::size_t>(r));
    return true;
  }

  int master_ = -1;
  pid_t pid_ = -1;
  std::string raw_;
};

}  // namespace

TEST_CASE("top in a terminal shows the selected book, switches with keys and quits on q",
          "[tools][top]") {
  t::TempDir tmp;
  t::ChildGuard children;
  Writer w(tmp.path(), "books", tmp.root());
  PtyTop top(
      {"--dir", tmp.path(), "--venue", "alpha", "--symbol", "SPOT_BTC_USDT", "--interval", "50"});
  // Venue rows with writer state and books by state, then the book's top levels.
  REQUIRE(top.wait_for(0, {"daemon alive", "> alpha", "alive", "2/0/0/0/0", "  beta", "1/0/0/0/0",
                           "book alpha SPOT_BTC_USDT (1/2)  live", "trusted", "version 123",
                           "1.03895025", "56749.15 | 56749.2", "56750", "0.12345678", "56000"}));
  // The alternate screen is entered and the cursor hidden.
  CHECK(top.raw().find("\x1b[?1049h") != std::string::npos);
  auto m = top.mark();
  top.send("s");
  REQUIRE(top.wait_for(m, {"book alpha SPOT_ETH_USDT (2/2)", "3000.1234 | 3001", "1200"}));
  m = top.mark();
  top.send("\x1b[C");  // right arrow: next venue
  REQUIRE(top.wait_for(m, {"> beta", "book beta BTC-PERP (1/1)", "56749.1 | 56750", "0.003"}));
  m = top.mark();
  top.send("q");
  CHECK(top.wait_exit() == 0);
  // Cursor shown again and the normal screen restored, after the last frame.
  const std::string tail = top.raw().substr(m);
  CHECK(tail.find("\x1b[?25h\x1b[?1049l") != std::string::npos);
  struct termios tio {};
  REQUIRE(::tcgetattr(top.master(), &tio) == 0);
  CHECK((tio.c_lflag & ICANON) != 0);
  CHECK((tio.c_lflag & ECHO) != 0);
}

TEST_CASE("top exits cleanly on Ctrl-C and restores the terminal", "[tools][top]") {
  t::TempDir tmp;
  t::ChildGuard children;
  Writer w(tmp.path(), "books", tmp.root());
  PtyTop top({"--dir", tmp.path(), "--interval", "50"});
  REQUIRE(top.wait_for(0, {"book alpha SPOT_BTC_USDT (1/2)", "56749.15"}));
  const auto m = top.mark();
  top.send("\x03");  // the line discipline turns it into SIGINT
  CHECK(top.wait_exit() == 0);
  CHECK(top.raw().substr(m).find("\x1b[?1049l") != std::string::npos);
  struct termios tio {};
  REQUIRE(::tcgetattr(top.master(), &tio) == 0);
  CHECK((tio.c_lflag & ECHO) != 0);
}

TEST_CASE("top without a terminal prints plain snapshots", "[tools][top]") {
  t::TempDir tmp;
  t::ChildGuard children;
  Writer w(tmp.path(), "books", tmp.root());
  auto r = run_cli({"top", "--dir", tmp.path(), "--venue", "beta", "--once"}, tmp.root());
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.rfind("----\nwirebook top  instance t", 0) == 0);
  CHECK(r.out.find("book beta BTC-PERP (1/1)  live") != std::string::npos);
  CHECK(r.out.find("56749.1 | 56750") != std::string::npos);
  CHECK(r.out.find('\x1b') == std::string::npos);
  r = run_cli({"top", "--dir", tmp.path(), "--iterations", "3", "--interval", "10"}, tmp.root());
  REQUIRE(r.status == 0);
  std::size_t frames = 0;
  for (const auto& l : lines_of(r.out)) frames += l == "----" ? 1 : 0;
  CHECK(frames == 3);
  r = run_cli({"top", "--dir", tmp.path(), "--symbol", "NOPE", "--once"}, tmp.root());
  CHECK(r.status == 2);
}

TEST_CASE("top shows update rates and receive->publish latency percentiles", "[tools][top]") {
  t::TempDir tmp;
  t::ChildGuard children;
  Writer w(tmp.path(), "stream", tmp.root());
  PtyTop top({"--dir", tmp.path(), "--interval", "50"});
  // Every publication of the stream scenario took exactly 1.5 us.
  REQUIRE(top.wait_for(0, {"1.5/1.5/1.5", "book alpha SPOT_BTC_USDT"}));
  top.send("q");
  CHECK(top.wait_exit() == 0);
  // The non-tty snapshot shows the same, and a non-zero update rate for alpha.
  const auto r =
      run_cli({"top", "--dir", tmp.path(), "--iterations", "2", "--interval", "200"}, tmp.root());
  REQUIRE(r.status == 0);
  const auto lines = lines_of(r.out);
  bool seen = false;
  for (const auto& l : lines) {
    if (l.rfind("> alpha", 0) != 0 || l.find("1.5/1.5/1.5") == std::string::npos) continue;
    unsigned long live = 0;
    double updates = 0;
    double events = 0;
    char gen[32];
    char writer[16];
    char hb[16];
    char lat[64];
    REQUIRE(std::sscanf(l.c_str(), "> alpha %15s %15s %31s %lu/%*u/%*u/%*u/%*u %lf %lf %63s",
                        writer, hb, gen, &live, &updates, &events, lat) == 7);
    CHECK(live == 2);
    CHECK(updates > 0);
    CHECK(events > 0);
    seen = true;
  }
  CHECK(seen);
}
