// Bridge + mirror over a real nats-server on loopback (issue 20):
//  1. latency: a source publishes one book update every 500 us; the mirror
//     records source publish -> mirror publish for every BOOK record it
//     applies (its CLOCK_REALTIME minus the source slot's publish time, one
//     host, so one clock). p50/p99/p99.9 at 1 us resolution.
//  2. throughput: the source appends LEVEL events flat out (a publication
//     every 8 events) into a ring large enough never to lap; the bridge's
//     sustained events/s is events / time until it has forwarded them all,
//     and the end-to-end rate until the mirror has appended them all.
// Self-checks: every latency-phase book on the mirror ends equal to the
// source's last publication; the throughput phase ends with no lap, no reset
// after the start and every event appended by the mirror. Exit 1 otherwise.
//
//   nats_bench [--file-storage] [--updates N] [--events N] [--bridge-idle-us N] [--books N]
//              [--mirror-spin]
// --bridge-idle-us 0: the bridge spins; --mirror-spin: the mirror polls NATS
// without blocking (each costs a core). The floor's receiver always blocks: a
// second spinning thread would only fight the mirror's for the cores.
// --books: instruments of the venue (4); the updates cycle through them.
// nats-server comes from $NATS_SERVER or /usr/sbin/nats-server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nats/nats.h>

#include <wirebook/reader.hpp>

#include "bench/bench_util.hpp"
#include "shm/writer.hpp"
#include "tools/nats/bridge.hpp"
#include "tools/nats/mirror.hpp"

namespace shm = wirebook::shm;
namespace wn = wirebook::nats;

namespace {

std::atomic<bool> g_stop{false};
bool stop_fn() {
  return g_stop.load(std::memory_order_relaxed);
}

std::int64_t realtime_ns() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

pid_t start_server(const std::string& store, std::uint16_t port) {
  const char* env = std::getenv("NATS_SERVER");
  const std::string exe = env != nullptr ? env : "/usr/sbin/nats-server";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const std::string p = std::to_string(port);
    ::freopen("/dev/null", "w", stdout);
    ::freopen((store + ".log").c_str(), "w", stderr);
    ::execl(exe.c_str(), exe.c_str(), "-js", "-a", "127.0.0.1", "-p", p.c_str(), "-sd",
            store.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

std::unique_ptr<wn::Client> connect(const std::string& url, wn::AckFn ack) {
  wn::ConnectOptions o;
  o.urls = {url};
  std::string err;
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto c = wn::Client::connect(o, ack, 100, err);
    wn::StreamSpec probe{"PROBE", {"probe.x"}, false, 0, -1, -1, -1, 0};
    if (c != nullptr && c->ensure_stream(probe, err)) return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "nats_bench: %s\n", err.c_str());
  std::exit(1);
}

struct Source {
  std::unique_ptr<shm::VenueWriter> writer;
  std::unique_ptr<shm::ControlWriter> control;
  std::vector<std::uint64_t> versions;
};

std::uint32_t g_books = 4;  // --books

shm::Level bid_of(std::uint64_t version) {
  return {1'000'000 - static_cast<std::int64_t>(version % 1000),
          1 + static_cast<std::int64_t>(version)};
}

void publish(Source& s, std::uint32_t i, std::uint64_t version) {
  const shm::Level bid = bid_of(version);
  const shm::Level ask{1'000'100, 5};
  shm::Event ev;
  ev.type = shm::EventType::level;
  ev.instrument = i;
  ev.px_exp = -2;
  ev.qty_exp = -8;
  ev.px = bid.px;
  ev.qty = bid.qty;
  ev.ts_recv_ns = realtime_ns();
  (void)s.writer->append(ev);
  shm::BookMeta m;
  m.px_exp = -2;
  m.qty_exp = -8;
  m.ts_recv_ns = ev.ts_recv_ns;
  m.ts_publish_ns = realtime_ns();
  (void)s.writer->publish_levels(i, m, std::span<const shm::Level>(&bid, 1),
                                 std::span<const shm::Level>(&ask, 1), version);
  s.versions[i] = version;
}

// The source's liveness: the bridge reports a writer without heartbeats as stale.
shm::VenueWriter* g_source = nullptr;
void keepalive() {
  if (g_source != nullptr) g_source->heartbeat(wirebook::bench::now_ns());
}

void sleep_until_ns(std::int64_t t) {
  keepalive();
  while (wirebook::bench::now_ns() < t) {
    struct timespec ts {
      0, 20'000
    };
    ::nanosleep(&ts, nullptr);
  }
}

bool wait_for(const std::function<bool()>& cond, int seconds) {
  const std::int64_t end = wirebook::bench::now_ns() + seconds * 1'000'000'000LL;
  while (!cond()) {
    keepalive();
    if (wirebook::bench::now_ns() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool mirror_matches(const std::string& dir, const Source& s) {
  shm::VenueReader r;
  if (shm::VenueReader::open(dir, "bench", r) != shm::OpenError::ok) return false;
  r.refresh();
  for (std::uint32_t i = 0; i < g_books; ++i) {
    shm::BookView v;
    shm::Level b[4];
    shm::Level a[4];
    if (r.read_book(i, v, b, a, 4) != shm::ReadResult::ok || !v.trusted()) return false;
    if (v.top.version != s.versions[i] || v.bids != 1 || b[0].px != bid_of(s.versions[i]).px ||
        b[0].qty != bid_of(s.versions[i]).qty) {
      return false;
    }
  }
  return true;
}

// The floor under the same load: a core NATS message (no JetStream, no
// bridge, no mirror) from one connection to a subscriber on another,
// publish -> receive, one every 500 us.
wirebook::bench::Percentiles core_nats_floor(const std::string& url, int n) {
  natsOptions* opts = nullptr;
  natsConnection* pub = nullptr;
  natsConnection* sub_conn = nullptr;
  natsSubscription* sub = nullptr;
  std::vector<double> us;
  if (natsOptions_Create(&opts) == NATS_OK && natsOptions_SetURL(opts, url.c_str()) == NATS_OK &&
      natsOptions_SetSendAsap(opts, true) == NATS_OK &&
      natsConnection_Connect(&pub, opts) == NATS_OK &&
      natsConnection_Connect(&sub_conn, opts) == NATS_OK &&
      natsConnection_SubscribeSync(&sub, sub_conn, "floor") == NATS_OK &&
      natsConnection_Flush(sub_conn) == NATS_OK) {
    std::thread rx([&] {
      for (int k = 0; k < n; ++k) {
        natsMsg* m = nullptr;
        if (natsSubscription_NextMsg(&m, sub, 5000) != NATS_OK) break;
        std::int64_t sent = 0;
        std::memcpy(&sent, natsMsg_GetData(m), sizeof sent);
        us.push_back(static_cast<double>(realtime_ns() - sent) / 1000.0);
        natsMsg_Destroy(m);
      }
    });
    std::int64_t t = wirebook::bench::now_ns();
    for (int k = 0; k < n; ++k) {
      t += 500'000;
      sleep_until_ns(t);
      const std::int64_t now = realtime_ns();
      (void)natsConnection_Publish(pub, "floor", &now, sizeof now);
    }
    rx.join();
  }
  natsSubscription_Destroy(sub);
  natsConnection_Destroy(sub_conn);
  natsConnection_Destroy(pub);
  natsOptions_Destroy(opts);
  return wirebook::bench::percentiles(us);
}

struct Args {
  bool file_storage = false;
  std::uint64_t updates = 10000;
  std::uint64_t events = 1'000'000;
  std::int64_t bridge_idle_us = 20;
  std::uint32_t books = 4;
  bool mirror_spin = false;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int k = 1; k < argc; ++k) {
    const bool has_value = k + 1 < argc;
    if (std::strcmp(argv[k], "--file-storage") == 0) a.file_storage = true;
    if (std::strcmp(argv[k], "--mirror-spin") == 0) a.mirror_spin = true;
    if (std::strcmp(argv[k], "--updates") == 0 && has_value) {
      a.updates = std::strtoull(argv[++k], nullptr, 10);
    } else if (std::strcmp(argv[k], "--events") == 0 && has_value) {
      a.events = std::strtoull(argv[++k], nullptr, 10);
    } else if (std::strcmp(argv[k], "--bridge-idle-us") == 0 && has_value) {
      a.bridge_idle_us = std::strtoll(argv[++k], nullptr, 10);
    } else if (std::strcmp(argv[k], "--books") == 0 && has_value) {
      a.books = static_cast<std::uint32_t>(std::strtoul(argv[++k], nullptr, 10));
    }
  }
  return a;
}

bool create_source(Source& src, const std::string& dir) {
  src.versions.assign(g_books, 0);
  shm::SegmentOptions so;
  so.dir = dir;
  shm::VenueConfig vc{"bench", {}, 10, 1U << 21U};
  for (std::uint32_t i = 0; i < g_books; ++i) vc.symbols.push_back("B" + std::to_string(i));
  if (!shm::VenueWriter::create(so, vc, src.writer).ok() ||
      !shm::ControlWriter::create(so, "bsrc", {vc}, src.control).ok()) {
    return false;
  }
  src.writer->set_state(shm::SegmentState::live);
  src.control->set_state(shm::SegmentState::live);
  g_source = src.writer.get();
  keepalive();
  for (std::uint32_t i = 0; i < g_books; ++i) publish(src, i, 1);
  return true;
}

// One book update every 500 us; the mirror records each one's latency.
bool latency_phase(Source& src, wn::Mirror& mirror, const std::string& mir_dir,
                   std::uint64_t updates) {
  mirror.clear_latency();
  std::int64_t t = wirebook::bench::now_ns();
  for (std::uint64_t k = 0; k < updates; ++k) {
    t += 500'000;
    sleep_until_ns(t);
    const auto i = static_cast<std::uint32_t>(k % g_books);
    publish(src, i, src.versions[i] + 1);
  }
  if (!wait_for([&] { return mirror_matches(mir_dir, src); }, 30)) {
    std::fprintf(stderr, "latency phase: mirror books differ from the source\n");
    return false;
  }
  const auto& lat = mirror.counters().source_to_mirror;
  std::printf(
      "source publish -> mirror publish: p50 %lld us  p99 %lld us  p99.9 %lld us  "
      "(%llu BOOK records of %llu publications, 1 us buckets)\n",
      static_cast<long long>(lat.quantile_us(0.5)), static_cast<long long>(lat.quantile_us(0.99)),
      static_cast<long long>(lat.quantile_us(0.999)), static_cast<unsigned long long>(lat.count()),
      static_cast<unsigned long long>(updates));
  return true;
}

// Writes `events` events flat out (7 TRADE + 1 LEVEL with a publication per
// 8) and times how long the bridge and the mirror take to pass them all.
bool throughput_phase(Source& src, const wn::Bridge& bridge, const wn::Mirror& mirror,
                      const std::string& mir_dir, std::uint64_t events) {
  const std::uint64_t bridged0 = bridge.counters().events.load();
  const std::uint64_t mirrored0 = mirror.counters().events.load();
  const std::uint64_t laps0 = bridge.counters().laps.load();
  const std::uint64_t resets0 = mirror.counters().resets.load();
  const std::int64_t start = wirebook::bench::now_ns();
  for (std::uint64_t k = 0; k < events; k += 8) {
    const auto i = static_cast<std::uint32_t>((k / 8) % g_books);
    for (int e = 0; e < 7; ++e) {
      shm::Event ev;
      ev.type = shm::EventType::trade;
      ev.instrument = i;
      ev.px = static_cast<std::int64_t>(k + e);
      (void)src.writer->append(ev);
    }
    publish(src, i, src.versions[i] + 1);
    if ((k & 0xFFFFU) == 0) keepalive();
  }
  const std::uint64_t total = (events + 7) / 8 * 8;
  const std::int64_t written = wirebook::bench::now_ns();
  std::int64_t bridged_at = 0;
  const bool bridged = wait_for(
      [&] {
        const bool done = bridge.counters().events.load() - bridged0 >= total;
        if (done && bridged_at == 0) bridged_at = wirebook::bench::now_ns();
        return done;
      },
      120);
  const bool mirrored =
      wait_for([&] { return mirror.counters().events.load() - mirrored0 >= total; }, 120);
  const std::int64_t mirrored_at = wirebook::bench::now_ns();
  const std::uint64_t laps = bridge.counters().laps.load() - laps0;
  const std::uint64_t resets = mirror.counters().resets.load() - resets0;
  if (!bridged || !mirrored || laps != 0 || resets != 0 ||
      !wait_for([&] { return mirror_matches(mir_dir, src); }, 30)) {
    std::fprintf(stderr, "throughput phase failed: bridged %d mirrored %d laps %llu resets %llu\n",
                 bridged, mirrored, static_cast<unsigned long long>(laps),
                 static_cast<unsigned long long>(resets));
    return false;
  }
  const auto secs = [&](std::int64_t t) { return static_cast<double>(t - start) / 1e9; };
  std::printf(
      "throughput: %llu events written in %.3f s; bridge forwarded all in %.3f s = %.0f "
      "events/s; mirror appended all in %.3f s = %.0f events/s end to end\n",
      static_cast<unsigned long long>(total), secs(written), secs(bridged_at),
      static_cast<double>(total) / secs(bridged_at), secs(mirrored_at),
      static_cast<double>(total) / secs(mirrored_at));
  return true;
}

int run(const Args& a, const std::string& root, const std::string& url) {
  g_books = a.books == 0 ? 1 : a.books;
  Source src;
  if (!create_source(src, root + "/src")) return 1;
  auto relay = std::make_shared<wn::AckRelay>();
  auto bc = connect(
      url, [relay](std::string_view s, bool ok, std::uint64_t seq) { (*relay)(s, ok, seq); });
  wn::BridgeOptions bo;
  bo.instance = "bsrc";
  bo.dir = root + "/src";
  bo.file_storage = a.file_storage;
  bo.idle_sleep_us = a.bridge_idle_us;
  wn::Bridge bridge(bo, *bc);
  relay->attach(&bridge);
  const std::unique_ptr<wn::AckRelay, void (*)(wn::AckRelay*)> detach(
      relay.get(), [](wn::AckRelay* r) { r->attach(nullptr); });
  auto mc = connect(url, nullptr);
  wn::MirrorOptions mo;
  mo.source = "bsrc";
  mo.instance = "bmir";
  mo.segments.dir = root + "/mir";
  mo.spin = a.mirror_spin;
  wn::Mirror mirror(mo, *mc);
  std::string err;
  if (!bridge.start(err) || !mirror.start(10000, err)) {
    std::fprintf(stderr, "nats_bench: %s\n", err.c_str());
    return 1;
  }
  std::thread bt([&] { bridge.run(&stop_fn); });
  std::thread mt([&] { mirror.run(&stop_fn); });
  std::printf(
      "nats_bench: %s, nats-server 2.9 on loopback, %s storage, bridge and mirror as "
      "threads of this process (separate connections), bridge idle sleep %lld us%s, mirror %s, "
      "%u books\n",
      wirebook::bench::cpu_name().c_str(), a.file_storage ? "file" : "memory",
      static_cast<long long>(a.bridge_idle_us), a.bridge_idle_us == 0 ? " (spins)" : "",
      a.mirror_spin ? "spins" : "blocks", g_books);
  bool ok = wait_for([&] { return mirror_matches(mo.segments.dir, src); }, 30);
  if (!ok) std::fprintf(stderr, "mirror never caught up with the initial books\n");
  ok = ok && latency_phase(src, mirror, mo.segments.dir, a.updates);
  if (ok) {
    const auto floor = core_nats_floor(url, 2000);
    std::printf(
        "floor, core NATS publish -> receive (same host, same run): p50 %.0f us  p99 %.0f us  "
        "p99.9 %.0f us (%zu messages)\n",
        floor.p50, floor.p99, floor.p999, floor.samples);
  }
  ok = ok && throughput_phase(src, bridge, mirror, mo.segments.dir, a.events);
  g_stop = true;
  bt.join();
  mt.join();
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse_args(argc, argv);
  char tmpl[] = "/tmp/wirebook-nats-bench.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  const std::string root = tmpl;
  const std::uint16_t port = free_port();
  const pid_t server = start_server(root + "/js", port);
  const int rc = run(a, root, "nats://127.0.0.1:" + std::to_string(port));
  ::kill(server, SIGTERM);
  ::waitpid(server, nullptr, 0);
  const std::string rm = "rm -rf '" + root + "'";
  (void)std::system(rm.c_str());
  return rc;
}
