// `wirebook top`: a live terminal view of an instance, redrawn a few times a
// second: venues and writer states, books by state, update and event rates,
// receive->publish latency percentiles, and the top levels of one selected
// book with its reference data (mark, index, funding, open interest). Keys switch venue and symbol;
// `q` or Ctrl-C quits and restores the terminal. When stdout is not a terminal it prints plain
// snapshots instead.
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <wirebook/reader.hpp>

#include "tools/wirebook/reader_common.hpp"

namespace wirebook::cli {

namespace {

struct TopArgs {
  Target target;
  std::string venue;
  std::string symbol;
  int interval_ms = 250;
  std::uint64_t iterations = 0;  // 0: until q / Ctrl-C
  bool once = false;
  std::uint32_t levels = 10;
};

inline constexpr int kStatusCount = 5;
inline constexpr std::size_t kLatencyWindow = 4096;

// The last kLatencyWindow receive->publish samples of a venue.
class LatencyWindow {
 public:
  void add(std::int64_t ns) {
    if (samples_.size() < kLatencyWindow) {
      samples_.push_back(ns);
    } else {
      samples_[next_] = ns;
    }
    next_ = (next_ + 1) % kLatencyWindow;
  }
  void clear() {
    samples_.clear();
    next_ = 0;
  }
  [[nodiscard]] bool empty() const { return samples_.empty(); }
  // Nearest-rank percentile, q in (0, 1].
  [[nodiscard]] std::int64_t percentile(double q) const {
    std::vector<std::int64_t> v = samples_;
    auto rank = static_cast<std::size_t>(q * static_cast<double>(v.size()));
    if (rank >= v.size()) rank = v.size() - 1;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank), v.end());
    return v[rank];
  }

 private:
  std::vector<std::int64_t> samples_;
  std::size_t next_ = 0;
};

struct VenueView {
  std::string name;
  shm::VenueReader reader;
  int open_rc = kExitOk;
  shm::Liveness live = shm::Liveness::missing;
  std::uint64_t generation = 0;
  std::vector<std::uint64_t> seen_updates;  // per book, at the previous frame
  std::uint64_t updates = 0;                // sum over books
  std::uint64_t events = 0;                 // ring head
  double update_rate = 0;
  double event_rate = 0;
  std::uint32_t books[kStatusCount] = {};
  LatencyWindow latency;
  std::uint32_t selected = 0;  // instrument shown when this venue is selected
};

// Samples one venue: liveness, books by state, rates, latency.
void sample(VenueView& v, double dt_s) {
  if (v.open_rc != kExitOk) return;
  v.live = v.reader.refresh();
  const bool restarted = v.reader.generation() != v.generation;
  if (restarted) {
    v.generation = v.reader.generation();
    v.seen_updates.assign(v.reader.instrument_count(), 0);
    v.latency.clear();
    if (v.selected >= v.reader.instrument_count()) v.selected = 0;
  }
  std::fill(std::begin(v.books), std::end(v.books), 0U);
  std::uint64_t updates = 0;
  for (std::uint32_t i = 0; i < v.reader.instrument_count(); ++i) {
    shm::BookView b;
    const shm::ReadResult r = v.reader.read_book(i, b, nullptr, nullptr, 0);
    const shm::Status s = r == shm::ReadResult::ok ? b.top.status : shm::Status::syncing;
    ++v.books[static_cast<unsigned>(s) % kStatusCount];
    updates += b.update_count;
    // One sample per book and frame that saw a new publication: the view samples
    // the latest publication, it does not see every one.
    if (b.update_count != v.seen_updates[i] && b.ts_recv_ns > 0 &&
        b.ts_publish_ns >= b.ts_recv_ns) {
      if (!restarted) v.latency.add(b.ts_publish_ns - b.ts_recv_ns);
    }
    v.seen_updates[i] = b.update_count;
  }
  const std::uint64_t events = v.reader.ring_head();
  if (!restarted && dt_s > 0) {
    v.update_rate = static_cast<double>(updates - v.updates) / dt_s;
    v.event_rate = static_cast<double>(events - v.events) / dt_s;
  } else {
    v.update_rate = v.event_rate = 0;
  }
  v.updates = updates;
  v.events = events;
}

std::string fmt(const char* f, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}

std::string micros(std::int64_t ns) {
  return fmt("%.1f", static_cast<double>(ns) / 1000.0);
}

std::string venue_row(const VenueView& v, bool selected) {
  const char* mark = selected ? ">" : " ";
  if (v.open_rc != kExitOk) return fmt("%s %-12s unreadable", mark, v.name.c_str());
  const std::int64_t hb = v.reader.heartbeat_ns();
  const std::string hb_age = hb > 0 ? fmt("%lldms", (monotonic_ns() - hb) / 1'000'000) : "-";
  std::string lat = "-";
  if (!v.latency.empty()) {
    lat = micros(v.latency.percentile(0.5)) + "/" + micros(v.latency.percentile(0.99)) + "/" +
          micros(v.latency.percentile(0.999));
  }
  std::string feed = "-";
  shm::FeedLatency f;
  if (v.reader.read_feed_latency(f) == shm::ReadResult::ok && f.samples > 0) {
    feed =
        fmt("%.2f/%.2f", static_cast<double>(f.p50_ns) / 1e6, static_cast<double>(f.p99_ns) / 1e6);
  }
  const std::string books =
      fmt("%u/%u/%u/%u/%u", v.books[1], v.books[0], v.books[2], v.books[3], v.books[4]);
  return fmt("%s %-12s %-8s %8s  %-18s %-20s %9.1f %9.1f  %-26s %s", mark, v.name.c_str(),
             shm::to_string(v.live), hb_age.c_str(), hex64(v.generation).c_str(), books.c_str(),
             v.update_rate, v.event_rate, lat.c_str(), feed.c_str());
}

void book_lines(const VenueView& v, std::uint32_t levels, std::vector<std::string>& out) {
  if (v.open_rc != kExitOk || v.reader.instrument_count() == 0) {
    out.emplace_back("(no book)");
    return;
  }
  const std::uint32_t n = std::min(levels, v.reader.depth());
  std::vector<shm::Level> bids(n);
  std::vector<shm::Level> asks(n);
  shm::BookView b;
  const shm::ReadResult r = v.reader.read_book(v.selected, b, bids.data(), asks.data(), n);
  const char* sym = v.reader.symbol(v.selected);
  if (r != shm::ReadResult::ok) {
    out.push_back(fmt("book %s %s: %s", v.name.c_str(), sym,
                      r == shm::ReadResult::empty ? "not published yet" : "busy"));
    return;
  }
  std::string flags;
  for (const char* f : flag_names(b.top.flags)) flags += std::string(" ") + f;
  out.push_back(fmt("book %s %s (%u/%u)  %s%s  %s  version %llu  updates %llu", v.name.c_str(), sym,
                    v.selected + 1, v.reader.instrument_count(), shm::to_string(b.top.status),
                    flags.c_str(), b.trusted() ? "trusted" : "NOT TRUSTED",
                    static_cast<unsigned long long>(b.top.version),
                    static_cast<unsigned long long>(b.update_count)));
  shm::Reference ref;
  if (v.reader.read_reference(v.selected, ref) == shm::ReadResult::ok && ref.known != 0) {
    out.push_back("  reference: " + reference_text(ref));
  }
  out.push_back(fmt("  %20s %20s | %-20s %-20s", "bid qty", "bid", "ask", "ask qty"));
  for (std::uint32_t k = 0; k < std::max(b.bids, b.asks); ++k) {
    const bool bid = k < b.bids;
    const bool ask = k < b.asks;
    out.push_back(fmt("  %20s %20s | %-20s %-20s",
                      bid ? decimal(bids[k].qty, b.top.qty_exp).c_str() : "",
                      bid ? decimal(bids[k].px, b.top.px_exp).c_str() : "",
                      ask ? decimal(asks[k].px, b.top.px_exp).c_str() : "",
                      ask ? decimal(asks[k].qty, b.top.qty_exp).c_str() : ""));
  }
}

std::vector<std::string> frame(const shm::InstanceReader& inst, const std::string& dir,
                               const std::vector<VenueView>& venues, std::size_t sel,
                               std::uint32_t levels, bool keys) {
  std::vector<std::string> out;
  const std::time_t now = std::time(nullptr);
  struct tm local {};
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", ::localtime_r(&now, &local));
  out.push_back(fmt("wirebook top  instance %s (%s)  daemon %s  %s", inst.instance_name(),
                    dir.c_str(), shm::to_string(inst.liveness()), when));
  if (keys) out.emplace_back("keys: q quit | v/V or left/right: venue | s/S or up/down: symbol");
  out.emplace_back("");
  out.push_back(fmt("  %-12s %-8s %8s  %-18s %-20s %9s %9s  %-26s %s", "VENUE", "WRITER", "HB AGE",
                    "GENERATION", "LIVE/SYN/STL/RSY/DIS", "UPD/S", "EV/S",
                    "RECV->PUB us p50/p99/p99.9", "FEED ms p50/p99"));
  for (std::size_t k = 0; k < venues.size(); ++k) out.push_back(venue_row(venues[k], k == sel));
  out.emplace_back("");
  if (!venues.empty()) book_lines(venues[sel], levels, out);
  return out;
}

// Raw-ish terminal for the live view: no echo, no line buffering (signals
// still work, so Ctrl-C arrives as SIGINT), alternate screen, hidden cursor.
// Restores everything in the destructor.
class Terminal {
 public:
  Terminal() {
    if (::isatty(STDIN_FILENO) != 0 && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
      struct termios raw = saved_;
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      keys_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    put("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  ~Terminal() {
    put("\x1b[?25h\x1b[?1049l");
    if (keys_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  [[nodiscard]] bool keys() const { return keys_; }

  void draw(const std::vector<std::string>& lines) const {
    struct winsize ws {};
    std::size_t cols = 200;
    std::size_t rows = 60;
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
      cols = ws.ws_col;
      rows = ws.ws_row;
    }
    std::string s = "\x1b[H";
    for (std::size_t k = 0; k < lines.size() && k + 1 < rows; ++k) {
      s += lines[k].substr(0, cols);
      s += "\x1b[K\n";
    }
    s += "\x1b[J";
    put(s);
  }

  static void put(const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
      const ssize_t n = ::write(STDOUT_FILENO, s.data() + done, s.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  struct termios saved_ {};
  bool keys_ = false;
};

enum class Key { none, quit, next_venue, prev_venue, next_symbol, prev_symbol };

// Waits up to timeout_ms for input; returns the keys read (arrows are ESC [ A..D).
std::vector<Key> read_keys(int timeout_ms) {
  struct pollfd p {
    STDIN_FILENO, POLLIN, 0
  };
  std::vector<Key> keys;
  if (::poll(&p, 1, timeout_ms) <= 0 || (p.revents & POLLIN) == 0) return keys;
  char buf[64];
  const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
  for (ssize_t k = 0; k < n; ++k) {
    const char c = buf[k];
    if (c == '\x1b' && k + 2 < n && buf[k + 1] == '[') {
      const char a = buf[k + 2];
      k += 2;
      if (a == 'A') keys.push_back(Key::prev_symbol);
      if (a == 'B') keys.push_back(Key::next_symbol);
      if (a == 'C') keys.push_back(Key::next_venue);
      if (a == 'D') keys.push_back(Key::prev_venue);
      continue;
    }
    if (c == 'q' || c == 'Q') keys.push_back(Key::quit);
    if (c == 'v' || c == '\t' || c == 'l') keys.push_back(Key::next_venue);
    if (c == 'V' || c == 'h') keys.push_back(Key::prev_venue);
    if (c == 's' || c == 'j') keys.push_back(Key::next_symbol);
    if (c == 'S' || c == 'k') keys.push_back(Key::prev_symbol);
  }
  return keys;
}

// Applies keys to the selection; returns false on quit.
bool apply_keys(const std::vector<Key>& keys, std::vector<VenueView>& venues, std::size_t& sel) {
  for (const Key k : keys) {
    if (k == Key::quit) return false;
    if (venues.empty()) continue;
    const std::size_t nv = venues.size();
    VenueView& v = venues[sel];
    const std::uint32_t ns = v.open_rc == kExitOk ? v.reader.instrument_count() : 0;
    if (k == Key::next_venue) sel = (sel + 1) % nv;
    if (k == Key::prev_venue) sel = (sel + nv - 1) % nv;
    if (k == Key::next_symbol && ns > 0) v.selected = (v.selected + 1) % ns;
    if (k == Key::prev_symbol && ns > 0) v.selected = (v.selected + ns - 1) % ns;
  }
  return true;
}

int select_initial(const TopArgs& a, std::vector<VenueView>& venues, std::size_t& sel) {
  sel = 0;
  if (a.venue.empty() && a.symbol.empty()) return kExitOk;
  for (std::size_t k = 0; k < venues.size(); ++k) {
    if (!a.venue.empty() && venues[k].name != a.venue) continue;
    if (a.symbol.empty()) {
      sel = k;
      return kExitOk;
    }
    if (venues[k].open_rc != kExitOk) continue;
    const std::uint32_t i = venues[k].reader.find(a.symbol);
    if (i < venues[k].reader.instrument_count()) {
      sel = k;
      venues[k].selected = i;
      return kExitOk;
    }
  }
  std::fprintf(stderr, "wirebook top: no book %s%s%s in this instance\n", a.venue.c_str(),
               a.venue.empty() ? "" : " ", a.symbol.c_str());
  return kExitNoMatch;
}

int run_top(const TopArgs& a) {
  const std::string dir = a.target.resolved();
  shm::InstanceReader inst;
  if (const int rc = open_instance("wirebook top", dir, inst); rc != kExitOk) return rc;
  std::vector<VenueView> venues(inst.venue_count());
  for (std::uint32_t k = 0; k < inst.venue_count(); ++k) {
    venues[k].name = inst.venue_name(k);
    venues[k].open_rc = open_venue("wirebook top", dir, inst, venues[k].name, venues[k].reader);
  }
  std::size_t sel = 0;
  if (const int rc = select_initial(a, venues, sel); rc != kExitOk) return rc;
  install_stop_signals();
  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  const std::uint64_t frames = a.once ? 1 : a.iterations;
  std::unique_ptr<Terminal> term;
  if (tty) term = std::make_unique<Terminal>();
  std::int64_t last = monotonic_ns();
  for (std::uint64_t n = 0; !stop_requested() && (frames == 0 || n < frames); ++n) {
    const std::int64_t now = monotonic_ns();
    for (auto& v : venues) sample(v, static_cast<double>(now - last) / 1e9);
    last = now;
    // A restarted daemon may list other venues: keep the ones we have, re-open lazily.
    (void)inst.refresh();
    const auto lines = frame(inst, dir, venues, sel, a.levels, term && term->keys());
    if (term) {
      term->draw(lines);
    } else {
      std::printf("----\n");
      for (const auto& l : lines) std::printf("%s\n", l.c_str());
      std::fflush(stdout);
    }
    if (frames != 0 && n + 1 == frames) break;
    if (term && term->keys()) {
      // Keys redraw at once; otherwise wait out the interval.
      const std::int64_t until = now + static_cast<std::int64_t>(a.interval_ms) * 1'000'000;
      bool quit = false;
      while (!stop_requested() && monotonic_ns() < until) {
        const auto keys = read_keys(static_cast<int>((until - monotonic_ns()) / 1'000'000) + 1);
        if (!apply_keys(keys, venues, sel)) {
          quit = true;
          break;
        }
        if (!keys.empty()) break;
      }
      if (quit) break;
    } else {
      ::usleep(static_cast<useconds_t>(a.interval_ms) * 1000U);
    }
  }
  return kExitOk;
}

}  // namespace

void setup_top(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TopArgs>();
  CLI::App* s = app.add_subcommand(
      "top",
      "Live view: venues and states, books by state, update rates, receive->publish latency, "
      "and the top levels of one book (q or Ctrl-C quits)");
  add_target_options(*s, args->target);
  s->add_option("--venue", args->venue, "Venue selected at start");
  s->add_option("--symbol", args->symbol, "Symbol selected at start");
  s->add_option("--interval", args->interval_ms, "Milliseconds between redraws")
      ->capture_default_str()
      ->check(CLI::Range(10, 60'000));
  s->add_option("--iterations", args->iterations, "Stop after this many frames (0: until q)")
      ->capture_default_str();
  s->add_flag("--once", args->once, "Print one frame and exit");
  s->add_option("--levels", args->levels, "Levels per side of the selected book")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  s->footer(std::string(R"(
Keys: q quit; v / Tab / right arrow next venue, V / left arrow previous;
      s / down arrow next symbol, S / up arrow previous.
Columns: LIVE/SYN/STL/RSY/DIS books per state; UPD/S book publications per second;
  EV/S ring events per second; RECV->PUB receive->publish latency percentiles of the
  publications seen by this view (sampled at each redraw from the slots' timestamps).
When stdout is not a terminal, prints plain snapshots separated by '----'.)") +
            kExitCodesHelp);
  s->callback([args, &exit_code] {
    try {
      exit_code = run_top(*args);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wirebook top: %s\n", e.what());
      exit_code = kExitIo;
    }
  });
}

}  // namespace wirebook::cli
