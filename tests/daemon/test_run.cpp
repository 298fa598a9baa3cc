// wirebookd as a process against `wirebook sim` (loopback only): books go
// LIVE in shared memory, metrics and sd_notify work, SIGTERM stops it within
// 2 s leaving CLOSED segments with DISCONNECTED books.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <wirebook/reader.hpp>

#include "tests/common/loopback.hpp"
#include "tests/common/process.hpp"

namespace {

using namespace wirebook::testproc;
using namespace std::chrono_literals;
namespace shm = wirebook::shm;

const std::vector<std::string> kSymbols = {"SPOT_BTC_USDT", "PERP_BTC_USDT", "SPOT_ETH_USDT"};

// A NOTIFY_SOCKET (AF_UNIX datagram) collecting every message sd_notify sends.
// Reads the daemon's notifications on a thread of its own, as systemd does:
// a datagram queue left unread fills after a few (net.unix.max_dgram_qlen),
// and then the daemon's next sd_notify blocks, its SIGTERM stop with it.
class NotifyListener {
 public:
  explicit NotifyListener(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path_.copy(a.sun_path, sizeof a.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    reader_ = std::thread([this] {
      while (!stop_.load()) {
        drain();
        std::this_thread::sleep_for(5ms);
      }
    });
  }
  ~NotifyListener() {
    stop_ = true;
    reader_.join();
    ::close(fd_);
  }
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  // Everything received so far, one message per line.
  std::string text() {
    drain();
    const std::lock_guard<std::mutex> lock(mutex_);
    return log_;
  }
  bool saw(const std::string& line) { return text().find(line) != std::string::npos; }

 private:
  void drain() {
    char buf[4096];
    ssize_t n = 0;
    const std::lock_guard<std::mutex> lock(mutex_);
    while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0) {
      log_.append(buf, static_cast<std::size_t>(n));
      log_ += '\n';
    }
  }
  std::string path_;
  int fd_ = -1;
  std::mutex mutex_;
  std::string log_;
  std::atomic<bool> stop_{false};
  std::thread reader_;
};

std::vector<std::string> sim_argv(const TempDir& tmp, bool tls,
                                  const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {env_or_fail("WIREBOOK"),
                                   "sim",
                                   "--venue",
                                   "woo",
                                   "--rate",
                                   "50",
                                   "--ws-port",
                                   tls ? "woo=-1" : "woo=0",
                                   "--wss-port",
                                   tls ? "woo=0" : "woo=-1",
                                   "--ca-out",
                                   tmp.file("ca.pem")};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

struct Sim {
  Child child;
  std::string url;
  std::string ca;  // wss only
  explicit Sim(const TempDir& tmp, bool tls = false, const std::vector<std::string>& extra = {})
      : child(sim_argv(tmp, tls, extra), tmp.file("sim.out"), tmp.file("sim.err")) {
    REQUIRE(wait_until([&] { return child.out().find("WIREBOOK_SIM_READY") != std::string::npos; },
                       15s));
    const std::string out = child.out();
    const std::string tag = tls ? "WIREBOOK_SIM woo wss://" : "WIREBOOK_SIM woo ws://";
    const auto at = out.find(tag);
    REQUIRE(at != std::string::npos);
    const auto begin = at + std::string("WIREBOOK_SIM woo ").size();
    url = out.substr(begin, out.find('\n', at) - begin);
    ca = tmp.file("ca.pem");
  }
};

std::string config_text(const TempDir& tmp, const std::string& url, std::uint16_t metrics_port) {
  std::string symbols;
  for (const auto& s : kSymbols) symbols += (symbols.empty() ? "\"" : ", \"") + s + "\"";
  return "[daemon]\ninstance = \"t\"\nshm_dir = \"" + tmp.file("shm") +
         "\"\nstats_interval_s = 1\nlog_level = \"debug\"\n" +
         (metrics_port != 0
              ? "metrics_listen = \"127.0.0.1:" + std::to_string(metrics_port) + "\"\n"
              : std::string()) +
         "[[venue]]\nname = \"woo\"\nkind = \"woo\"\nurl = \"" + url + "\"\nsymbols = [" + symbols +
         "]\ndepth = 10\nconnect_timeout_ms = 1000\n";
}

// Counts books with `status`; 0 when the segment cannot be opened.
std::size_t books_with(const std::string& dir, shm::Status status,
                       shm::SegmentState* state = nullptr) {
  shm::VenueReader r;
  if (shm::VenueReader::open(dir, "woo", r) != shm::OpenError::ok) return 0;
  if (state != nullptr) *state = r.state();
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < r.instrument_count(); ++i) {
    shm::Bbo b;
    if (r.read_bbo(i, b) == shm::ReadResult::ok && b.status == status) ++n;
  }
  return n;
}

// Every thread's name (comm) of a process, one per line.
std::string thread_names(pid_t pid) {
  std::string out;
  const std::string task = "/proc/" + std::to_string(pid) + "/task";
  if (DIR* d = ::opendir(task.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') out += read_file(task + "/" + e->d_name + "/comm");
    }
    ::closedir(d);
  }
  return out;
}

// The prices of one side ("bids"/"asks") of a dump --json line, as doubles (test only).
std::vector<double> side_prices(const std::string& line, const std::string& side) {
  std::vector<double> px;
  auto at = line.find("\"" + side + "\":[");
  if (at == std::string::npos) return px;
  at += side.size() + 4;
  while (line.compare(at, 2, "[\"") == 0) {
    px.push_back(std::strtod(line.c_str() + at + 2, nullptr));
    at = line.find(']', at) + 1;
    if (line[at] == ',') ++at;
  }
  return px;
}

// The number after "name": in a `wirebook status --json` line; NaN when
// absent, so any comparison with it fails.
double json_number(const std::string& line, const std::string& name) {
  const auto f = line.find("\"" + name + "\":");
  if (f == std::string::npos) return std::numeric_limits<double>::quiet_NaN();
  return std::stod(line.substr(f + name.size() + 3));
}

std::string dir_of(const TempDir& tmp) {
  return tmp.file("shm") + "/t";
}

}  // namespace

TEST_CASE("wirebookd against the simulator: books LIVE, metrics, notify, SIGTERM stops cleanly",
          "[daemon]") {
  TempDir tmp;
  Sim sim(tmp);
  const std::uint16_t metrics_port = free_port();
  const std::string cfg = tmp.write("d.toml", config_text(tmp, sim.url, metrics_port));
  NotifyListener notify(tmp.file("notify.sock"));
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"),
               {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=200000", "WATCHDOG_PID=$PID"});
  const std::string dir = dir_of(tmp);

  const bool live =
      wait_until([&] { return books_with(dir, shm::Status::live) == kSymbols.size(); }, 30s);
  INFO("url " << sim.url << "\nwirebookd stderr:\n" << daemon.err());
  REQUIRE(live);
  CHECK(wait_until([&] { return notify.saw("READY=1"); }, 10s));
  CHECK(wait_until([&] { return notify.saw("WATCHDOG=1"); }, 5s));

  SECTION("shared memory, dump and metrics agree") {
    shm::InstanceReader inst;
    REQUIRE(shm::InstanceReader::open(dir, inst) == shm::OpenError::ok);
    CHECK(inst.venue_count() == 1);
    CHECK(inst.liveness() == shm::Liveness::alive);

    const auto dump =
        run({env_or_fail("WIREBOOK"), "dump", "--json", "--dir", dir, "--depth", "3"}, tmp.path());
    REQUIRE(dump.status == 0);
    std::size_t lines = 0;
    for (std::size_t at = 0; (at = dump.out.find('\n', at)) != std::string::npos; ++at) ++lines;
    CHECK(lines == kSymbols.size());
    CHECK(dump.out.rfind("{\"venue\":\"woo\",\"symbol\":\"SPOT_BTC_USDT\",\"status\":", 0) == 0);
    CHECK(dump.out.find("\"bids\":[[\"") != std::string::npos);
    const std::string first = dump.out.substr(0, dump.out.find('\n'));
    const auto bids = side_prices(first, "bids");
    const auto asks = side_prices(first, "asks");
    INFO(first);
    CHECK(bids.size() == 3);
    CHECK(asks.size() == 3);
    CHECK(std::is_sorted(bids.rbegin(), bids.rend()));  // best (highest) first
    CHECK(std::is_sorted(asks.begin(), asks.end()));    // best (lowest) first
    CHECK(bids.front() < asks.front());

    const std::string body = http_get(metrics_port, "/metrics");
    CHECK(body.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(body.find("wirebook_books{venue=\"woo\",state=\"live\"} 3") != std::string::npos);
    CHECK(body.find("# TYPE wirebook_frames_total counter") != std::string::npos);
    CHECK(body.find("wirebook_drift_alarms_total{venue=\"woo\"} 0") != std::string::npos);
    CHECK(body.find("# TYPE wirebook_feed_latency_seconds gauge") != std::string::npos);
    CHECK(body.find("wirebook_feed_latency_seconds{venue=\"woo\",quantile=\"0.99\"} ") !=
          std::string::npos);
    CHECK(body.find("wirebook_feed_latency_samples{venue=\"woo\",ahead=\"1\"} ") !=
          std::string::npos);
    // The receive→publish histogram: cumulative buckets never decrease, the
    // +Inf bucket equals _count, and every LIVE book was published at least once.
    CHECK(body.find("# TYPE wirebook_recv_to_publish_seconds histogram") != std::string::npos);
    std::vector<std::uint64_t> cumulative;
    const std::string bucket = "wirebook_recv_to_publish_seconds_bucket{venue=\"woo\",le=\"";
    for (std::size_t at = 0; (at = body.find(bucket, at)) != std::string::npos; ++at) {
      const auto space = body.find("} ", at);
      REQUIRE(space != std::string::npos);
      cumulative.push_back(std::stoull(body.substr(space + 2)));
    }
    CHECK(cumulative.size() == 16 + 17 * 16 + 1);  // LatencyHistogram::kBuckets
    CHECK(std::is_sorted(cumulative.begin(), cumulative.end()));
    const std::string count = "wirebook_recv_to_publish_seconds_count{venue=\"woo\"} ";
    const auto c = body.find(count);
    REQUIRE(c != std::string::npos);
    REQUIRE(!cumulative.empty());
    CHECK(std::stoull(body.substr(c + count.size())) == cumulative.back());
    CHECK(cumulative.back() >= kSymbols.size());
    CHECK(body.find("le=\"+Inf\"") != std::string::npos);
    CHECK(http_get(metrics_port, "/").rfind("HTTP/1.1 404", 0) == 0);
    CHECK(body.find("wirebook_venue_thread_cpu_seconds_total{venue=\"woo\"} ") !=
          std::string::npos);

    // `wirebook status --metrics` reads the same histogram: ordered percentiles
    // over at least as many publications as the scrape above saw.
    const auto status = run({env_or_fail("WIREBOOK"), "status", "--json", "--dir", dir, "--metrics",
                             "127.0.0.1:" + std::to_string(metrics_port)},
                            tmp.path());
    INFO(status.out << status.err);
    CHECK(status.status == 0);
    REQUIRE(status.out.find("\"recv_to_publish\":{\"count\":") != std::string::npos);
    const auto field = [&](const std::string& name) { return json_number(status.out, name); };
    CHECK(field("count") >= static_cast<double>(cumulative.back()));
    CHECK(field("p50_ns") > 0);
    CHECK(field("p50_ns") <= field("p99_ns"));
    CHECK(field("p99_ns") <= field("p999_ns"));
    // --window: the same figures over one second only (the simulator sends
    // 50 frames/s), with the rates of that second.
    const auto windowed =
        run({env_or_fail("WIREBOOK"), "status", "--json", "--dir", dir, "--metrics",
             "127.0.0.1:" + std::to_string(metrics_port), "--window", "1"},
            tmp.path());
    INFO(windowed.out << windowed.err);
    CHECK(windowed.status == 0);
    const auto number = [&](const std::string& name) { return json_number(windowed.out, name); };
    CHECK(number("count") > 0);
    // Fewer than since the start: the publications before the window are not in it.
    const auto since_start = run({env_or_fail("WIREBOOK"), "status", "--json", "--dir", dir,
                                  "--metrics", "127.0.0.1:" + std::to_string(metrics_port)},
                                 tmp.path());
    CHECK(number("count") < json_number(since_start.out, "count"));
    CHECK(number("p50_ns") > 0);
    CHECK(number("p50_ns") <= number("p999_ns"));
    CHECK(number("seconds") >= 1.0);
    CHECK(number("frames_per_s") > 1);
    CHECK(number("frames_per_s") < 500);
    CHECK(number("thread_cpu") < 0.5);  // idle = block
    // An unreachable endpoint costs only the latency line.
    const auto no_metrics = run(
        {env_or_fail("WIREBOOK"), "status", "--dir", dir, "--metrics", "127.0.0.1:1"}, tmp.path());
    CHECK(no_metrics.status == 0);
    CHECK(no_metrics.err.find("no latency figures") != std::string::npos);
    CHECK(no_metrics.out.find("recv->publish") == std::string::npos);
  }

  SECTION("SIGHUP is logged and does not stop the daemon") {
    daemon.signal(SIGHUP);
    CHECK(wait_until([&] { return daemon.err().find("SIGHUP") != std::string::npos; }, 5s));
    CHECK(daemon.running());
  }

  const auto t0 = std::chrono::steady_clock::now();
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(2000ms) == 0);
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took < 2s);
  shm::SegmentState state = shm::SegmentState::init;
  CHECK(books_with(dir, shm::Status::disconnected, &state) == kSymbols.size());
  CHECK(state == shm::SegmentState::closed);
  shm::InstanceReader inst;
  REQUIRE(shm::InstanceReader::open(dir, inst) == shm::OpenError::ok);
  CHECK(inst.liveness() == shm::Liveness::closed);
  CHECK(notify.saw("STOPPING=1"));
  CHECK(daemon.err().find("SIGTERM: stopping") != std::string::npos);
}

TEST_CASE(
    "wirebookd with an unreachable venue is ready after the failed attempt and stops on SIGTERM",
    "[daemon]") {
  TempDir tmp;
  const std::string url = "ws://127.0.0.1:" + std::to_string(free_port()) + "/ws/stream";
  const std::string cfg =
      tmp.write("d.toml", config_text(tmp, url, 0) + "cpu = 0\nrt_priority = 10\n");
  NotifyListener notify(tmp.file("notify.sock"));
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"),
               {"NOTIFY_SOCKET=" + notify.path()});
  const std::string dir = dir_of(tmp);
  CHECK(wait_until([&] { return notify.saw("READY=1"); }, 15s));
  INFO("wirebookd stderr:\n" << daemon.err());
  // The venue thread is named, pinned (or says why not) and reports its priority either way.
  CHECK(thread_names(daemon.pid()).find("wb-woo\n") != std::string::npos);
  CHECK(wait_until(
      [&] {
        const std::string e = daemon.err();
        return e.find("pinned to cpu 0") != std::string::npos ||
               e.find("cannot pin thread to cpu 0") != std::string::npos;
      },
      5s));
  CHECK(wait_until(
      [&] {
        const std::string e = daemon.err();
        return e.find("SCHED_FIFO priority 10") != std::string::npos ||
               e.find("cannot use SCHED_FIFO priority 10") != std::string::npos;
      },
      5s));
  shm::SegmentState state = shm::SegmentState::init;
  CHECK(wait_until(
      [&] {
        (void)books_with(dir, shm::Status::syncing, &state);
        return state == shm::SegmentState::live;
      },
      10s));
  CHECK(books_with(dir, shm::Status::live) == 0);

  daemon.signal(SIGINT);
  CHECK(daemon.wait(2000ms) == 0);
  CHECK(books_with(dir, shm::Status::disconnected, &state) == kSymbols.size());
  CHECK(state == shm::SegmentState::closed);
}

TEST_CASE("wirebookd over wss:// with the simulator's CA gets every book LIVE", "[daemon]") {
  TempDir tmp;
  Sim sim(tmp, true);
  const std::string cfg = tmp.write(
      "d.toml", config_text(tmp, sim.url, 0) + "[venue.tls]\nca_file = \"" + sim.ca + "\"\n");
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"));
  const std::string dir = dir_of(tmp);
  const bool live =
      wait_until([&] { return books_with(dir, shm::Status::live) == kSymbols.size(); }, 30s);
  INFO("url " << sim.url << "\nwirebookd stderr:\n" << daemon.err());
  CHECK(live);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(2000ms) == 0);
  CHECK(books_with(dir, shm::Status::disconnected) == kSymbols.size());
}

namespace {

// The woo venue's value of a metric from /metrics (-1 when absent).
double woo_metric(std::uint16_t metrics_port, const std::string& name) {
  const std::string body = http_get(metrics_port, "/metrics");
  const std::string key = name + "{venue=\"woo\"} ";
  const auto at = body.find(key);
  return at == std::string::npos ? -1.0 : std::strtod(body.c_str() + at + key.size(), nullptr);
}

double venue_cpu_seconds(std::uint16_t metrics_port) {
  return woo_metric(metrics_port, "wirebook_venue_thread_cpu_seconds_total");
}

int first_usable_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) return c;
  }
  FAIL("no usable cpu");
  return 0;
}

}  // namespace

TEST_CASE("idle strategies: every book LIVE, spin never sleeps, block barely runs", "[daemon]") {
  const std::string mode = GENERATE(as<std::string>{}, "block", "spin", "backoff");
  INFO("idle = " << mode);
  TempDir tmp;
  Sim sim(tmp);  // 50 book events per second: the thread is idle almost always
  const std::uint16_t metrics_port = free_port();
  const std::string cfg = tmp.write("d.toml", config_text(tmp, sim.url, metrics_port) +
                                                  "cpu = " + std::to_string(first_usable_cpu()) +
                                                  "\nidle = \"" + mode + "\"\n");
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"));
  const std::string dir = dir_of(tmp);
  const bool live =
      wait_until([&] { return books_with(dir, shm::Status::live) == kSymbols.size(); }, 30s);
  INFO("wirebookd stderr:\n" << daemon.err());
  REQUIRE(live);
  // Thread CPU time over two seconds of wall time. Spinning takes its core
  // whenever the scheduler gives it one (on a loaded 2-core host at least a
  // fair share of it); blocking at 50 events/s uses a few milliseconds.
  REQUIRE(wait_until([&] { return venue_cpu_seconds(metrics_port) > 0; }, 5s));
  const double before = venue_cpu_seconds(metrics_port);
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(2s);  // the measured window itself, not a wait for a condition
  const double used = venue_cpu_seconds(metrics_port) - before;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("venue thread CPU " << used << " s over " << wall << " s");
  if (mode == "spin") CHECK(used > 0.2 * wall);
  if (mode == "block") CHECK(used < 0.1 * wall);
  // 100 us of spinning after each of 50 events and 10 ticks a second: about 1 %.
  if (mode == "backoff") CHECK(used < 0.5 * wall);
  // Spinning warms the hot path every warm_us (200) without a frame; at 50
  // events a second that is most of the 20 ms gaps. Blocking never warms.
  const double warmings = woo_metric(metrics_port, "wirebook_venue_warmings_total");
  if (mode == "spin") CHECK(warmings > 100);
  if (mode == "block") CHECK(warmings == 0);
  CHECK(books_with(dir, shm::Status::live) == kSymbols.size());
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(2000ms) == 0);
  CHECK(books_with(dir, shm::Status::disconnected) == kSymbols.size());
}

TEST_CASE("wirebookd logs config warnings loudly at start-up", "[daemon]") {
  TempDir tmp;
  const std::string url = "wss://127.0.0.1:" + std::to_string(free_port()) + "/ws/stream";
  const std::string cfg =
      tmp.write("d.toml", config_text(tmp, url, 0) + "[venue.tls]\nverify = false\n");
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"));
  CHECK(wait_until(
      [&] {
        const std::string e = daemon.err();
        return e.find("warning CONFIG WARNING:") != std::string::npos &&
               e.find("verify") != std::string::npos;
      },
      10s));
  INFO(daemon.err());
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(2000ms) == 0);
}

TEST_CASE("wirebookd exits 2 when its metrics port is taken and leaves closed segments",
          "[daemon]") {
  TempDir tmp;
  const int busy = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(busy, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(busy, 1) == 0);
  socklen_t len = sizeof a;
  ::getsockname(busy, reinterpret_cast<sockaddr*>(&a), &len);
  const std::string url = "ws://127.0.0.1:" + std::to_string(free_port()) + "/ws/stream";
  const std::string cfg = tmp.write("d.toml", config_text(tmp, url, ntohs(a.sin_port)));
  const auto r = run({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.path());
  ::close(busy);
  CHECK(r.status == 2);
  INFO(r.err);
  CHECK(r.err.find("cannot start: metrics_listen 127.0.0.1:") != std::string::npos);
  shm::SegmentState state = shm::SegmentState::init;
  CHECK(books_with(dir_of(tmp), shm::Status::disconnected, &state) == kSymbols.size());
  CHECK(state == shm::SegmentState::closed);
}

TEST_CASE("wirebook dump fails clearly when no segment exists", "[daemon]") {
  TempDir tmp;
  const auto r =
      run({env_or_fail("WIREBOOK"), "dump", "--json", "--dir", tmp.file("none")}, tmp.path());
  CHECK(r.status != 0);
  CHECK(r.out.empty());
  CHECK(r.err.find("no wirebook instance at " + tmp.file("none")) != std::string::npos);
}

TEST_CASE(
    "wirebookd: a dropped connection shows DISCONNECTED at once and LIVE only after a fresh "
    "snapshot; a stall shows STALE within stale_ms",
    "[daemon]") {
  TempDir tmp;
  // The simulator drops the TCP connection now and then and stalls for 1.5 s.
  Sim sim(
      tmp, false,
      {"--fault", "woo:tcp_close=0.01", "--fault", "woo:stall=0.01", "--fault", "stall_ms=1500"});
  constexpr std::int64_t kStaleMs = 400;
  const std::string cfg = tmp.write(
      "d.toml", config_text(tmp, sim.url, 0) + "stale_ms = " + std::to_string(kStaleMs) + "\n");
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"));
  const std::string dir = dir_of(tmp);
  INFO("wirebookd stderr:\n" << daemon.err() << "\nsim stderr:\n" << sim.child.err());

  shm::VenueReader r;
  REQUIRE(
      wait_until([&] { return shm::VenueReader::open(dir, "woo", r) == shm::OpenError::ok; }, 30s));
  const std::uint32_t n = r.instrument_count();
  REQUIRE(n == kSymbols.size());
  // Follow every event from the first: per instrument, after a DISCONNECTED
  // status the next LIVE must come after a SNAPSHOT_END of that instrument.
  struct Track {
    bool disconnected = false;
    bool snapshot = false;
    int recovered = 0;  // DISCONNECTED → snapshot → LIVE cycles
    int stale = 0;
    std::int64_t last_level_ns = 0;
  };
  std::vector<Track> t(n);
  int live_without_snapshot = 0;
  std::int64_t stale_min_ns = std::numeric_limits<std::int64_t>::max();
  std::int64_t stale_max_ns = 0;
  std::uint64_t laps = 0;
  shm::RingCursor cur = r.cursor_from(1);
  const auto done = [&] {
    return std::all_of(t.begin(), t.end(),
                       [](const Track& x) { return x.recovered >= 2 && x.stale >= 2; });
  };
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    shm::Event ev;
    std::uint64_t lost = 0;
    const auto pr = r.poll(cur, ev, lost);
    if (pr == shm::PollResult::nothing) {
      std::this_thread::sleep_for(1ms);
      continue;
    }
    if (pr != shm::PollResult::event) {
      ++laps;  // cannot judge across a lap: start every instrument over
      for (auto& x : t) x.disconnected = x.snapshot = false;
      continue;
    }
    if (ev.instrument >= n) continue;
    Track& x = t[ev.instrument];
    switch (ev.type) {
      case shm::EventType::level:
        x.last_level_ns = ev.ts_recv_ns;
        break;
      case shm::EventType::snapshot_end:
        x.snapshot = true;
        break;
      case shm::EventType::status: {
        const auto st = static_cast<shm::Status>(ev.aux0);
        if (st == shm::Status::disconnected) {
          x.disconnected = true;
          x.snapshot = false;
        } else if (st == shm::Status::live && x.disconnected) {
          if (!x.snapshot) ++live_without_snapshot;
          ++x.recovered;
          x.disconnected = false;
        } else if (st == shm::Status::stale && x.last_level_ns != 0) {
          ++x.stale;
          const std::int64_t d = ev.ts_recv_ns - x.last_level_ns;
          stale_min_ns = std::min(stale_min_ns, d);
          stale_max_ns = std::max(stale_max_ns, d);
        }
        break;
      }
      default:
        break;
    }
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    INFO("instrument " << i << " recovered " << t[i].recovered << " stale " << t[i].stale);
    CHECK(t[i].recovered >= 2);
    CHECK(t[i].stale >= 2);
  }
  INFO("laps " << laps << " stale delay " << stale_min_ns << ".." << stale_max_ns << " ns");
  CHECK(live_without_snapshot == 0);
  CHECK(stale_min_ns >= kStaleMs * 1'000'000);
  CHECK(stale_max_ns <= kStaleMs * 1'000'000 + 1'500'000'000);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(2000ms) == 0);
}

TEST_CASE(
    "wirebookd with Pulse credentials: a wrong secret logs the venue's refusal, books never go "
    "LIVE, and no secret ever reaches the log",
    "[daemon][pulse]") {
  const std::string right = "correct-Secret-77c3e1";
  const std::string wrong = "wrong-Secret-4f1d9a0b";
  for (const bool good : {false, true}) {
    INFO((good ? "right secret" : "wrong secret"));
    TempDir tmp;
    Child sim({env_or_fail("WIREBOOK"), "sim", "--venue", "pulse", "--rate", "50", "--ws-port",
               "pulse=0", "--wss-port", "pulse=-1", "--set", "pulse.raw_needs_auth=true", "--set",
               "pulse.client_id=desk-7", "--set", "pulse.client_secret=" + right, "--ca-out",
               tmp.file("ca.pem")},
              tmp.file("sim.out"), tmp.file("sim.err"));
    REQUIRE(
        wait_until([&] { return sim.out().find("WIREBOOK_SIM_READY") != std::string::npos; }, 15s));
    const std::string out = sim.out();
    const std::string tag = "WIREBOOK_SIM pulse ";
    const auto at = out.find(tag);
    REQUIRE(at != std::string::npos);
    const std::string url = out.substr(at + tag.size(), out.find('\n', at) - at - tag.size());
    const std::string cfg = tmp.write(
        "d.toml", "[daemon]\ninstance = \"t\"\nshm_dir = \"" + tmp.file("shm") +
                      "\"\nstats_interval_s = 1\nlog_level = \"debug\"\n[[venue]]\nname = "
                      "\"pulse\"\nkind = \"pulse\"\nurl = \"" +
                      url +
                      "\"\nsymbols = [\"BTC_USD-PERPETUAL\", \"ETH_USD-PERPETUAL\"]\ndepth = "
                      "10\napi_key_env = \"WB_TEST_PULSE_KEY\"\napi_secret_env = "
                      "\"WB_TEST_PULSE_SECRET\"\n");
    Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"),
                 {"WB_TEST_PULSE_KEY=desk-7", "WB_TEST_PULSE_SECRET=" + (good ? right : wrong)});
    const std::string dir = tmp.file("shm") + "/t";
    const auto live_books = [&] {
      shm::VenueReader r;
      if (shm::VenueReader::open(dir, "pulse", r) != shm::OpenError::ok) return std::size_t{0};
      std::size_t n = 0;
      for (std::uint32_t i = 0; i < r.instrument_count(); ++i) {
        shm::Bbo b;
        if (r.read_bbo(i, b) == shm::ReadResult::ok && b.status == shm::Status::live) ++n;
      }
      return n;
    };
    if (good) {
      CHECK(wait_until([&] { return live_books() == 2; }, 30s));
      CHECK(daemon.err().find("venue error reply") == std::string::npos);
    } else {
      // The refusal is logged with the venue's own words, and the books stay
      // untrusted (SYNCING) while the daemon retries the login later.
      CHECK(wait_until([&] { return daemon.err().find("venue error reply") != std::string::npos; },
                       30s));
      CHECK(daemon.err().find("public/auth") != std::string::npos);
      CHECK(live_books() == 0);
    }
    daemon.signal(SIGTERM);
    CHECK(daemon.wait(2000ms) == 0);
    const std::string log = daemon.out() + daemon.err();
    INFO("wirebookd log:\n" << log);
    CHECK(log.find(right) == std::string::npos);
    CHECK(log.find(wrong) == std::string::npos);
  }
}

TEST_CASE("wirebookd publishes OX.FUN positions that wirebook positions reads; jumps are logged",
          "[daemon][positions]") {
  const std::string secret = "sim-oxfun-secret-5c1e";  // must never reach the log
  TempDir tmp;
  Child sim({env_or_fail("WIREBOOK"),
             "sim",
             "--venue",
             "oxfun",
             "--symbols",
             "3",
             "--rate",
             "50",
             "--ws-port",
             "oxfun=0",
             "--wss-port",
             "oxfun=-1",
             "--set",
             "oxfun.api_key=desk-9",
             "--set",
             "oxfun.api_secret=" + secret,
             "--set",
             "oxfun.position_ms=50",
             "--set",
             "oxfun.seq_step_max=3",
             "--ca-out",
             tmp.file("ca.pem")},
            tmp.file("sim.out"), tmp.file("sim.err"));
  REQUIRE(
      wait_until([&] { return sim.out().find("WIREBOOK_SIM_READY") != std::string::npos; }, 15s));
  const std::string out = sim.out();
  const std::string tag = "WIREBOOK_SIM oxfun ";
  const auto at = out.find(tag);
  REQUIRE(at != std::string::npos);
  const std::string url = out.substr(at + tag.size(), out.find('\n', at) - at - tag.size());
  const std::string cfg = tmp.write(
      "d.toml", "[daemon]\ninstance = \"t\"\nshm_dir = \"" + tmp.file("shm") +
                    "\"\nstats_interval_s = 1\n[[venue]]\nname = \"oxfun\"\nkind = \"oxfun\"\n"
                    "url = \"" +
                    url +
                    "\"\nsymbols = [\"BTC-USD-SWAP-LIN\", \"ETH-USD-SWAP-LIN\"]\ndepth = 10\n"
                    "positions = true\nseqnum_jumps = \"count\"\n"
                    "api_key_env = \"WB_TEST_OX_KEY\"\napi_secret_env = \"WB_TEST_OX_SECRET\"\n");
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"),
               {"WB_TEST_OX_KEY=desk-9", "WB_TEST_OX_SECRET=" + secret});
  const std::string dir = tmp.file("shm") + "/t";
  // The simulator's script: per instrument of its list an open, an increase,
  // a flip to short and a close, one step every 50 ms; all closed at the end.
  std::string positions;
  const auto all_closed = [&] {
    const auto r = run({env_or_fail("WIREBOOK"), "positions", "--json", "--dir", dir}, tmp.path());
    positions = r.out;
    std::size_t closed = 0;
    for (std::size_t p = 0; (p = positions.find("\"quantity\":\"0\"", p)) != std::string::npos;
         ++p) {
      ++closed;
    }
    return r.status == 0 && closed == 3 && positions.find("\"updates\":4,") != std::string::npos;
  };
  CHECK(wait_until(all_closed, 60s));
  INFO("wirebook positions --json:\n" << positions);
  CHECK(positions.find("{\"venue\":\"oxfun\",\"instrument\":\"BTC-USD-SWAP-LIN\"") !=
        std::string::npos);
  // A position in a market the config does not subscribe to is still kept.
  CHECK(positions.find("\"instrument\":\"SOL-USD-SWAP-LIN\"") != std::string::npos);
  CHECK(wait_until([&] { return daemon.err().find("seqNum jump on") != std::string::npos; }, 30s));
  CHECK(daemon.err().find("venue notice (") != std::string::npos);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait(2000ms) == 0);
  const std::string log = daemon.out() + daemon.err();
  INFO("wirebookd log:\n" << log);
  CHECK(log.find(secret) == std::string::npos);
  CHECK(log.find("position rejected") == std::string::npos);
}
