#pragma once
// Processes for the bridge/mirror tests: a real nats-server with JetStream
// on a free loopback port and a temporary store directory, the source writer,
// `wirebook bridge` / `wirebook mirror`, and a reader that checks every LIVE
// mirrored book and every known mirrored position against the source's
// self-checking content, continuously.
// Every wait is on a condition with a generous timeout; children die with
// the test (testproc::Child).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <wirebook/reader.hpp>

#include "tests/common/process.hpp"
#include "tests/nats/source_books.hpp"
#include "tools/nats/client.hpp"

namespace wirebook::nats_test {

using namespace std::chrono_literals;
using testproc::Child;
using testproc::env_or_fail;
using testproc::TempDir;
using testproc::wait_until;

inline std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// nats-server -js on 127.0.0.1:port with its store in `store_dir`.
class NatsServer {
 public:
  // `token`: required from clients (nats-server --auth); the probe reads it
  // from the environment variable WB_TEST_TOKEN like the clients under test.
  NatsServer(const TempDir& tmp, std::uint16_t port, std::string token = "")
      : tmp_(tmp), port_(port), token_(std::move(token)) {
    start();
  }
  [[nodiscard]] std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  void start() {
    ++runs_;
    std::vector<std::string> argv{env_or_fail("NATS_SERVER"),
                                  "-js",
                                  "-a",
                                  "127.0.0.1",
                                  "-p",
                                  std::to_string(port_),
                                  "-sd",
                                  tmp_.file("js"),
                                  "-n",
                                  "wb-test"};
    if (!token_.empty()) {
      argv.emplace_back("--auth");
      argv.push_back(token_);
    }
    child_ = std::make_unique<Child>(argv, tmp_.file("nats" + std::to_string(runs_) + ".out"),
                                     tmp_.file("nats" + std::to_string(runs_) + ".err"));
    if (!wait_until([&] { return jetstream_ready(); }, 30s)) {
      throw std::runtime_error("nats-server did not start:\n" + child_->err());
    }
  }
  // Graceful stop (SIGTERM), waiting for the process to exit.
  void stop() {
    child_->signal(SIGTERM);
    if (child_->wait(20s) == -1) throw std::runtime_error("nats-server did not stop");
    child_.reset();
  }
  [[nodiscard]] std::string log() const { return child_ != nullptr ? child_->err() : ""; }

 private:
  [[nodiscard]] bool jetstream_ready() const {
    nats::ConnectOptions o;
    o.urls = {url()};
    if (!token_.empty()) o.token_env = "WB_TEST_TOKEN";
    std::string err;
    auto c = nats::Client::connect(o, nullptr, 200, err);
    if (c == nullptr) return false;
    nats::StreamSpec probe{"PROBE", {"probe.x"}, false, 0, -1, -1, -1, 0};
    return c->ensure_stream(probe, err);
  }
  const TempDir& tmp_;
  std::uint16_t port_;
  std::string token_;
  int runs_ = 0;
  std::unique_ptr<Child> child_;
};

// One `wirebook bridge` or `wirebook mirror` process.
inline std::unique_ptr<Child> start_cli(const TempDir& tmp, const std::string& tag,
                                        std::vector<std::string> args,
                                        const std::vector<std::string>& env = {}) {
  args.insert(args.begin(), env_or_fail("WIREBOOK_CLI"));
  auto c = std::make_unique<Child>(args, tmp.file(tag + ".out"), tmp.file(tag + ".err"), env);
  if (!wait_until([&] { return c->out().find("READY") != std::string::npos || !c->running(); },
                  60s) ||
      c->out().find("READY") == std::string::npos) {
    throw std::runtime_error(tag + " did not start:\n" + c->err());
  }
  return c;
}

inline std::unique_ptr<Child> start_source(const TempDir& tmp, const std::string& dir,
                                           const std::string& updates, const std::string& rate,
                                           const std::string& ring = "65536", bool gated = false) {
  std::vector<std::string> argv{env_or_fail("NATS_SOURCE_WRITER"), dir, "src", updates, rate, ring};
  if (gated) argv.emplace_back("gated");  // updates start at SIGUSR2
  auto c = std::make_unique<Child>(argv, tmp.file("source.out"), tmp.file("source.err"));
  if (!wait_until([&] { return c->out().find("READY") != std::string::npos; }, 30s)) {
    throw std::runtime_error("source writer did not start:\n" + c->err());
  }
  return c;
}

inline std::string dump(const TempDir& tmp, const std::string& dir) {
  return testproc::run({env_or_fail("WIREBOOK_CLI"), "dump", "--json", "--dir", dir}, tmp.path())
      .out;
}

inline std::string positions(const TempDir& tmp, const std::string& dir) {
  return testproc::run({env_or_fail("WIREBOOK_CLI"), "positions", "--json", "--dir", dir},
                       tmp.path())
      .out;
}

// Position slots of the instance at `dir` in use, and those showing values.
struct PositionCount {
  std::size_t used = 0;
  std::size_t known = 0;
};
inline PositionCount position_count(const std::string& dir) {
  PositionCount n;
  for (const auto& v : source_venues()) {
    shm::VenueReader r;
    if (shm::VenueReader::open(dir, v.name, r) != shm::OpenError::ok) continue;
    for (std::uint32_t slot = 0; slot < r.position_count(); ++slot) {
      shm::Position p;
      if (r.read_position(slot, p) != shm::ReadResult::ok) continue;
      ++n.used;
      if (p.known != 0) ++n.known;
    }
  }
  return n;
}

// Books of the instance at `dir` whose status is `status` (writer alive or not).
inline std::size_t books_with(const std::string& dir, shm::Status status) {
  std::size_t n = 0;
  for (const auto& v : source_venues()) {
    shm::VenueReader r;
    if (shm::VenueReader::open(dir, v.name, r) != shm::OpenError::ok) continue;
    for (std::uint32_t i = 0; i < r.instrument_count(); ++i) {
      shm::Bbo b;
      if (r.read_bbo(i, b) == shm::ReadResult::ok && b.status == status) ++n;
    }
  }
  return n;
}

inline std::size_t total_books() {
  std::size_t n = 0;
  for (const auto& v : source_venues()) n += v.symbols.size();
  return n;
}

// Reads the mirror's books and positions continuously; every book a reader
// would trust (status LIVE, writer alive) must be exactly the source's book
// at that version, every position showing values the source's position at
// that version (its update count). Follows mirror restarts (refresh
// re-attaches).
class Checker {
 public:
  explicit Checker(std::string dir) : dir_(std::move(dir)), thread_([this] { loop(); }) {}
  ~Checker() {
    stop_ = true;
    thread_.join();
  }
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;
  [[nodiscard]] std::uint64_t trusted_reads() const { return trusted_.load(); }
  [[nodiscard]] std::uint64_t known_position_reads() const { return known_positions_.load(); }
  [[nodiscard]] std::uint64_t violations() const { return violations_.load(); }
  [[nodiscard]] std::string first_violation() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return first_;
  }

 private:
  void check(std::uint32_t v, const shm::VenueReader& r, std::uint32_t i) {
    shm::BookView view;
    shm::Level bids[16];
    shm::Level asks[16];
    if (r.read_book(i, view, bids, asks, 16) != shm::ReadResult::ok || !view.trusted()) return;
    ++trusted_;
    const std::uint32_t depth = source_venues()[v].depth;
    const Levels want = top_of(levels_of(v, i, view.top.version, depth), depth);
    Levels got;
    got.bids.assign(bids, bids + view.bids);
    got.asks.assign(asks, asks + view.asks);
    if (got == want && view.top.px_exp == px_exp_of(view.top.version) &&
        view.top.qty_exp == kQtyExp) {
      return;
    }
    violation(std::string(source_venues()[v].name) + " " + r.symbol(i) + " version " +
              std::to_string(view.top.version) + " LIVE with wrong levels");
  }
  void check_position(std::uint32_t v, const shm::VenueReader& r, std::uint32_t slot) {
    shm::Position got;
    if (r.read_position(slot, got) != shm::ReadResult::ok || got.known == 0) return;
    ++known_positions_;
    const int p = position_index(v, got.instrument);
    if (p >= 0 &&
        same_fields(got, position_of(v, static_cast<std::uint32_t>(p), got.update_count))) {
      return;
    }
    violation(std::string(source_venues()[v].name) + " position " + got.instrument + " update " +
              std::to_string(got.update_count) + " shows wrong values");
  }
  void violation(const std::string& what) {
    ++violations_;
    const std::lock_guard<std::mutex> lock(mutex_);
    if (first_.empty()) first_ = what;
  }
  void loop() {
    std::vector<shm::VenueReader> readers(source_venues().size());
    while (!stop_) {
      for (std::uint32_t v = 0; v < readers.size(); ++v) {
        shm::VenueReader& r = readers[v];
        if (!r.is_open() &&
            shm::VenueReader::open(dir_, source_venues()[v].name, r) != shm::OpenError::ok) {
          continue;
        }
        r.refresh();
        for (std::uint32_t i = 0; i < r.instrument_count(); ++i) check(v, r, i);
        for (std::uint32_t k = 0; k < r.position_count(); ++k) check_position(v, r, k);
      }
      std::this_thread::sleep_for(200us);
    }
  }
  std::string dir_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> trusted_{0};
  std::atomic<std::uint64_t> known_positions_{0};
  std::atomic<std::uint64_t> violations_{0};
  std::mutex mutex_;
  std::string first_;
  std::thread thread_;
};

}  // namespace wirebook::nats_test
