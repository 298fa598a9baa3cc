// `wirebook status`: per venue the writer's liveness, heartbeat age,
// generation, counters and books by state; the exit code says whether every
// configured book is LIVE, so monitoring scripts can use it.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <wirebook/reader.hpp>

#include "tools/wirebook/daemon_metrics.hpp"
#include "tools/wirebook/reader_common.hpp"

namespace wirebook::cli {

namespace {

struct StatusArgs {
  Target target;
  std::vector<std::string> venues;
  bool json = false;
  std::string metrics;  // HOST:PORT of the daemon's metrics_listen; empty: no latency
  double window_s = 0;  // > 0: the latency over this window (two scrapes), with rates
};

// What a --window showed of one venue, from the daemon's counters.
struct WindowFigures {
  double seconds = 0;
  double frames_per_s = 0;
  double thread_cpu = 0;  // venue thread CPU seconds per second (1 = a whole core)
};

inline constexpr int kStatusCount = 5;  // syncing .. disconnected
// Display order: the good state first.
constexpr shm::Status kStatusOrder[kStatusCount] = {shm::Status::live, shm::Status::syncing,
                                                    shm::Status::stale, shm::Status::resyncing,
                                                    shm::Status::disconnected};

struct NotLive {
  std::string symbol;
  const char* status;
};

struct VenueStatus {
  std::string name;
  int open_rc = kExitOk;  // exit code of a failed open
  shm::Liveness writer = shm::Liveness::missing;
  shm::SegmentState state = shm::SegmentState::init;
  std::int64_t heartbeat_age_ns = -1;  // -1: never
  std::int64_t last_publish_age_ns = -1;
  std::uint64_t generation = 0;
  std::int32_t pid = 0;
  std::uint64_t events = 0;
  std::uint64_t updates = 0;
  std::uint32_t instruments = 0;
  std::uint32_t depth = 0;
  std::uint32_t ring_capacity = 0;
  std::uint32_t books[kStatusCount] = {};
  std::vector<NotLive> not_live;
  std::optional<shm::FeedLatency> feed;   // venue timestamp -> receive, from the segment header
  std::optional<LatencyFigures> latency;  // from the daemon's /metrics (--metrics)
  std::optional<WindowFigures> window;    // --window
  [[nodiscard]] bool healthy() const {
    return open_rc == kExitOk && writer == shm::Liveness::alive && not_live.empty();
  }
};

const char* state_name(shm::SegmentState s) {
  switch (s) {
    case shm::SegmentState::init:
      return "init";
    case shm::SegmentState::live:
      return "live";
    case shm::SegmentState::closed:
      return "closed";
  }
  return "unknown";
}

void collect_books(const shm::VenueReader& r, VenueStatus& v) {
  const std::int64_t now = realtime_ns();
  std::int64_t newest = 0;
  for (std::uint32_t i = 0; i < r.instrument_count(); ++i) {
    shm::BookView b;
    const shm::ReadResult rr = r.read_book(i, b, nullptr, nullptr, 0);
    const shm::Status s = rr == shm::ReadResult::ok ? b.top.status : shm::Status::syncing;
    const auto k = static_cast<unsigned>(s);
    if (k < kStatusCount) ++v.books[k];
    v.updates += b.update_count;
    if (b.ts_publish_ns > newest) newest = b.ts_publish_ns;
    if (s != shm::Status::live) v.not_live.push_back({r.symbol(i), shm::to_string(s)});
  }
  if (newest > 0) v.last_publish_age_ns = now - newest;
}

VenueStatus collect(const std::string& dir, const shm::InstanceReader& inst,
                    const std::string& name) {
  VenueStatus v;
  v.name = name;
  shm::VenueReader r;
  v.open_rc = open_venue("wirebook status", dir, inst, name, r);
  if (v.open_rc != kExitOk) return v;
  v.writer = r.refresh();
  v.state = r.state();
  if (r.heartbeat_ns() > 0) v.heartbeat_age_ns = monotonic_ns() - r.heartbeat_ns();
  v.generation = r.generation();
  v.pid = r.writer_pid();
  v.events = r.ring_head();
  v.instruments = r.instrument_count();
  v.depth = r.depth();
  v.ring_capacity = r.ring_capacity();
  shm::FeedLatency feed;
  if (r.read_feed_latency(feed) == shm::ReadResult::ok) v.feed = feed;
  collect_books(r, v);
  return v;
}

std::string age(std::int64_t ns) {
  if (ns < 0) return "never";
  char buf[32];
  if (ns < 10'000'000'000LL) {
    std::snprintf(buf, sizeof buf, "%lld ms ago", static_cast<long long>(ns / 1'000'000));
  } else {
    std::snprintf(buf, sizeof buf, "%lld s ago", static_cast<long long>(ns / 1'000'000'000));
  }
  return buf;
}

void print_text(const VenueStatus& v) {
  if (v.open_rc != kExitOk) {
    std::printf("%s: unreadable (see above)\n", v.name.c_str());
    return;
  }
  std::printf("%s: writer %s, segment %s, heartbeat %s, generation %s, pid %d\n", v.name.c_str(),
              shm::to_string(v.writer), state_name(v.state), age(v.heartbeat_age_ns).c_str(),
              hex64(v.generation).c_str(), static_cast<int>(v.pid));
  std::printf(
      "  counters: %llu events, %llu book updates, last publish %s; %u instruments, "
      "depth %u, ring %u\n",
      static_cast<unsigned long long>(v.events), static_cast<unsigned long long>(v.updates),
      age(v.last_publish_age_ns).c_str(), v.instruments, v.depth, v.ring_capacity);
  std::printf("  books:");
  for (int k = 0; k < kStatusCount; ++k) {
    const shm::Status s = kStatusOrder[k];
    std::printf("%s %u %s", k == 0 ? "" : ",", v.books[static_cast<int>(s)], shm::to_string(s));
  }
  std::printf("\n");
  for (const auto& n : v.not_live) std::printf("  not live: %s (%s)\n", n.symbol.c_str(), n.status);
  if (v.feed && v.feed->samples > 0) {
    std::printf(
        "  feed latency (venue ts -> receive, last %u s): p50 %.3f ms, p99 %.3f ms over %llu "
        "updates (%llu with the venue's clock ahead)\n",
        v.feed->window_s, static_cast<double>(v.feed->p50_ns) / 1e6,
        static_cast<double>(v.feed->p99_ns) / 1e6, static_cast<unsigned long long>(v.feed->samples),
        static_cast<unsigned long long>(v.feed->ahead));
  }
  if (v.latency) {
    char over[48] = "since start";
    if (v.window) std::snprintf(over, sizeof over, "over the last %.1f s", v.window->seconds);
    std::printf(
        "  recv->publish %s: p50 %.2f us, p99 %.2f us, p99.9 %.2f us over %llu publications\n",
        over, v.latency->p50_ns / 1e3, v.latency->p99_ns / 1e3, v.latency->p999_ns / 1e3,
        static_cast<unsigned long long>(v.latency->count));
  }
  if (v.window) {
    std::printf("  window: %.0f frames/s, venue thread CPU %.0f %%\n", v.window->frames_per_s,
                v.window->thread_cpu * 100);
  }
}

std::string json_line(const VenueStatus& v, const std::string& instance, const char* daemon) {
  std::string o = "{\"instance\":";
  json_string(o, instance);
  o += ",\"daemon\":\"" + std::string(daemon) + "\",\"venue\":";
  json_string(o, v.name);
  if (v.open_rc != kExitOk) return o + ",\"readable\":false}";
  o += ",\"readable\":true,\"writer\":\"" + std::string(shm::to_string(v.writer));
  o += "\",\"state\":\"" + std::string(state_name(v.state));
  o += "\",\"heartbeat_age_ns\":" + std::to_string(v.heartbeat_age_ns);
  o += ",\"last_publish_age_ns\":" + std::to_string(v.last_publish_age_ns);
  o += ",\"generation\":\"" + hex64(v.generation) + "\",\"writer_pid\":" + std::to_string(v.pid);
  o += ",\"events\":" + std::to_string(v.events) + ",\"updates\":" + std::to_string(v.updates);
  o += ",\"instruments\":" + std::to_string(v.instruments);
  o += ",\"depth\":" + std::to_string(v.depth);
  o += ",\"ring_capacity\":" + std::to_string(v.ring_capacity) + ",\"books\":{";
  for (int k = 0; k < kStatusCount; ++k) {
    if (k > 0) o += ',';
    const shm::Status s = kStatusOrder[k];
    o += "\"" + std::string(shm::to_string(s)) +
         "\":" + std::to_string(v.books[static_cast<int>(s)]);
  }
  o += "},\"not_live\":[";
  for (std::size_t k = 0; k < v.not_live.size(); ++k) {
    if (k > 0) o += ',';
    o += "{\"symbol\":";
    json_string(o, v.not_live[k].symbol);
    o += ",\"status\":\"" + std::string(v.not_live[k].status) + "\"}";
  }
  o += "]";
  if (v.latency) {
    o += ",\"recv_to_publish\":{\"count\":" + std::to_string(v.latency->count) +
         ",\"p50_ns\":" + std::to_string(std::llround(v.latency->p50_ns)) +
         ",\"p99_ns\":" + std::to_string(std::llround(v.latency->p99_ns)) +
         ",\"p999_ns\":" + std::to_string(std::llround(v.latency->p999_ns)) + "}";
  }
  if (v.window) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  ",\"window\":{\"seconds\":%.3f,\"frames_per_s\":%.1f,\"thread_cpu\":%.4f}",
                  v.window->seconds, v.window->frames_per_s, v.window->thread_cpu);
    o += buf;
  }
  // Last: readers that take the first "p50_ns" get recv->publish (--metrics).
  if (v.feed) {
    o += ",\"feed_latency\":{\"window_s\":" + std::to_string(v.feed->window_s) +
         ",\"samples\":" + std::to_string(v.feed->samples) +
         ",\"ahead\":" + std::to_string(v.feed->ahead) +
         ",\"p50_ns\":" + std::to_string(v.feed->p50_ns) +
         ",\"p99_ns\":" + std::to_string(v.feed->p99_ns) + "}";
  }
  return o + "}";
}

WindowFigures window_figures(std::string_view before, std::string_view after,
                             const std::string& venue, double seconds) {
  const auto rate = [&](std::string_view metric) {
    const auto a = venue_value(before, metric, venue);
    const auto b = venue_value(after, metric, venue);
    return a && b && seconds > 0 ? (*b - *a) / seconds : 0.0;
  };
  return {seconds, rate("wirebook_frames_total"), rate("wirebook_venue_thread_cpu_seconds_total")};
}

// The daemon's /metrics text, or empty (after a warning) when unreachable:
// the shared-memory status stands on its own.
std::string daemon_exposition(const std::string& host_port) {
  if (host_port.empty()) return {};
  try {
    return fetch_metrics(host_port);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wirebook status: no latency figures: %s\n", e.what());
    return {};
  }
}

// Worst outcome wins: an unreadable segment's own code, then "not live".
int exit_code(const std::vector<VenueStatus>& all, bool daemon_running) {
  if (!daemon_running) return kExitNoDaemon;
  int rc = kExitOk;
  for (const auto& v : all) {
    if (v.open_rc == kExitIncompatible || v.open_rc == kExitPermission || v.open_rc == kExitIo) {
      return v.open_rc;
    }
    if (!v.healthy()) rc = kExitNotLive;
  }
  return rc;
}

int run_status(const StatusArgs& a) {
  const std::string dir = a.target.resolved();
  shm::InstanceReader inst;
  if (const int rc = open_instance("wirebook status", dir, inst); rc != kExitOk) return rc;
  std::vector<std::string> names;
  if (const int rc = select_venues("wirebook status", inst, a.venues, names); rc != kExitOk) {
    return rc;
  }
  const shm::Liveness daemon = inst.liveness();
  const bool running = daemon == shm::Liveness::alive;
  if (!running) {
    std::fprintf(stderr,
                 "wirebook status: wirebookd is not running for instance '%s' (%s at %s); "
                 "showing the state it left\n",
                 inst.instance_name(), shm::to_string(daemon), dir.c_str());
  }
  if (!a.json) {
    std::printf("instance %s (%s): daemon %s, %u venues\n", inst.instance_name(), dir.c_str(),
                shm::to_string(daemon), inst.venue_count());
  }
  // --window: two scrapes, window_s apart; the figures are their difference.
  const std::string baseline = a.window_s > 0 ? daemon_exposition(a.metrics) : std::string();
  const auto t0 = std::chrono::steady_clock::now();
  if (!baseline.empty()) std::this_thread::sleep_for(std::chrono::duration<double>(a.window_s));
  const std::string exposition = daemon_exposition(a.metrics);
  const double window_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<VenueStatus> all;
  std::uint32_t books = 0;
  std::uint32_t live = 0;
  for (const auto& n : names) {
    all.push_back(collect(dir, inst, n));
    if (!exposition.empty()) all.back().latency = recv_to_publish(exposition, n, baseline);
    if (!exposition.empty() && !baseline.empty())
      all.back().window = window_figures(baseline, exposition, n, window_s);
    const VenueStatus& v = all.back();
    books += v.instruments;
    live += v.writer == shm::Liveness::alive ? v.books[static_cast<int>(shm::Status::live)] : 0;
    if (a.json) {
      std::printf("%s\n", json_line(v, inst.instance_name(), shm::to_string(daemon)).c_str());
    } else {
      print_text(v);
    }
  }
  const int rc = exit_code(all, running);
  if (!a.json) {
    std::printf("%u of %u books live and trusted: %s\n", live, books,
                rc == kExitOk ? "OK" : "NOT OK");
  }
  std::fflush(stdout);
  return rc;
}

}  // namespace

void setup_status(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* s = app.add_subcommand(
      "status", "Venue writers, heartbeats, counters and books by state; exit 0 only if all LIVE");
  add_target_options(*s, args->target);
  s->add_option("--venue", args->venues, "Only this venue; repeatable");
  s->add_flag("--json", args->json, "One JSON object per venue per line");
  s->add_option("--metrics", args->metrics,
                "HOST:PORT of the daemon's metrics_listen: add each venue's receive->publish "
                "p50/p99/p99.9 since start (the daemon's histogram, 16 buckets per power of two)");
  s->add_option("--window", args->window_s,
                "With --metrics: read the daemon's metrics twice, this many seconds apart, and "
                "give the latency, frames/s and venue thread CPU of that window")
      ->check(CLI::PositiveNumber)
      ->needs("--metrics");
  s->footer(kExitCodesHelp);
  s->callback([args, &exit_code] {
    try {
      exit_code = run_status(*args);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wirebook status: %s\n", e.what());
      exit_code = kExitIo;
    }
  });
}

}  // namespace wirebook::cli
