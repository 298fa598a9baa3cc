#include "daemon/daemon.hpp"

#include <grp.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "daemon/log_queue.hpp"
#include "daemon/metrics.hpp"
#include "daemon/notify.hpp"
#include "daemon/recorder.hpp"
#include "daemon/venue_runner.hpp"
#include "feeds/common/clock.hpp"
#include "feeds/registry.hpp"
#include "shm/consolidated_writer.hpp"
#include "shm/writer.hpp"

namespace wirebook::daemon {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kLogQueueCapacity = 4096;
constexpr auto kColdTick = std::chrono::milliseconds(100);
constexpr auto kStopBudget = std::chrono::milliseconds(1500);  // of the 2 s contract
constexpr auto kReadyTimeout = std::chrono::seconds(60);

gid_t lookup_group(const std::string& name) {
  if (name.empty()) return static_cast<gid_t>(-1);
  const group* g = ::getgrnam(name.c_str());  // start-up, single-threaded
  if (g == nullptr) throw StartupError(fmt::format("shm_group '{}': no such group", name));
  return g->gr_gid;
}

// config/ may not include shm/, so it repeats these limits.
static_assert(config::kMaxPositions == shm::kMaxPositions);
static_assert(config::kDefaultMaxPositions == shm::kDefaultPositionCapacity);
static_assert(config::kMaxConsolidatedMembers == shm::kMaxConsolidatedMembers);
static_assert(config::kMaxConsolidatedNames == shm::kMaxConsolidatedNames);

shm::VenueConfig shm_venue(const config::VenueConfig& v, std::uint32_t ring_capacity) {
  shm::VenueConfig s;
  s.name = v.name;
  s.symbols = v.symbols;
  s.depth = v.depth;
  s.ring_capacity = ring_capacity;
  s.position_capacity = v.max_positions;
  return s;
}

// The [[consolidated]] names with each member's book index (its symbol's
// position in the venue's symbols, the venue segment's instrument order).
shm::ConsolidatedSpec consolidated_spec(const config::Config& config) {
  shm::ConsolidatedSpec spec;
  for (const auto& c : config.consolidated) {
    shm::ConsolidatedSpec::Name name{c.name, {}};
    for (const auto& m : c.members) {
      for (const auto& v : config.venues) {
        if (v.name != m.venue) continue;
        const auto at = std::find(v.symbols.begin(), v.symbols.end(), m.symbol);
        name.members.push_back(
            {m.venue, m.symbol, static_cast<std::uint32_t>(at - v.symbols.begin())});
      }
    }
    spec.names.push_back(std::move(name));
  }
  return spec;
}

void set_stop_signals(int how) {
  sigset_t set;
  sigemptyset(&set);
  for (const int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  pthread_sigmask(how, &set, nullptr);
}

}  // namespace

void hold_stop_signals() {
  set_stop_signals(SIG_BLOCK);
}

std::vector<std::string> unimplemented_venues(const config::Config& config) {
  std::vector<std::string> problems;
  for (const auto& v : config.venues) {
    const feeds::VenueModule* module = feeds::find_venue_module(v.kind);
    if (!v.enabled || (module != nullptr && module->make_feed != nullptr)) continue;
    problems.push_back(
        fmt::format("venue '{}': kind '{}' is not implemented in this build (implemented: {}); "
                    "set enabled = false for it",
                    v.name, v.kind, feeds::implemented_kinds()));
  }
  return problems;
}

struct Daemon::Segments {
  std::unique_ptr<shm::ControlWriter> control;
  std::unique_ptr<shm::ConsolidatedWriter> consolidated;  // null: no [[consolidated]]

  void set_state(shm::SegmentState state) noexcept {
    control->set_state(state);
    if (consolidated) consolidated->set_state(state);
  }
  void heartbeat(std::int64_t now_monotonic_ns) noexcept {
    control->heartbeat(now_monotonic_ns);
    if (consolidated) consolidated->heartbeat(now_monotonic_ns);
  }
};

Daemon::Daemon(config::Config config)
    : config_(std::move(config)),
      log_(std::make_unique<LogQueue>(kLogQueueCapacity)),
      segments_(std::make_unique<Segments>()) {}

Daemon::~Daemon() {
  venues_.clear();     // joins any thread still running
  recorders_.clear();  // then the recorders drain and close their files
}

void Daemon::create_venues() {
  const auto missing = unimplemented_venues(config_);
  if (!missing.empty()) {
    std::string text;
    for (const auto& m : missing) text += (text.empty() ? "" : "\n") + m;
    throw StartupError(text);
  }
  shm::SegmentOptions opts;
  opts.dir = config_.daemon.instance_dir().string();
  opts.file_mode = static_cast<mode_t>(config_.daemon.shm_mode);
  opts.group = lookup_group(config_.daemon.shm_group);

  std::vector<shm::VenueConfig> shm_venues;
  for (const auto& v : config_.venues) {
    if (v.enabled) shm_venues.push_back(shm_venue(v, config_.daemon.ring_capacity));
  }
  if (shm_venues.empty()) throw StartupError("no enabled venue in the configuration");
  if (shm_venues.size() > 255) throw StartupError("too many venues (at most 255)");

  const auto cs =
      shm::ControlWriter::create(opts, config_.daemon.instance, shm_venues, segments_->control);
  if (!cs.ok()) {
    throw StartupError(fmt::format("control segment in {}: {} ({})", opts.dir,
                                   shm::to_string(cs.error), cs.detail));
  }
  if (!config_.consolidated.empty()) {
    const auto st =
        shm::ConsolidatedWriter::create(opts, consolidated_spec(config_), segments_->consolidated);
    if (!st.ok()) {
      throw StartupError(fmt::format("consolidated segment in {}: {} ({})", opts.dir,
                                     shm::to_string(st.error), st.detail));
    }
  }
  std::uint8_t index = 0;
  for (const auto& v : config_.venues) {
    if (!v.enabled) continue;
    std::unique_ptr<shm::VenueWriter> writer;
    const auto vs =
        shm::VenueWriter::create(opts, shm_venue(v, config_.daemon.ring_capacity), writer);
    if (!vs.ok()) {
      throw StartupError(fmt::format("venue '{}': segment in {}: {} ({})", v.name, opts.dir,
                                     shm::to_string(vs.error), vs.detail));
    }
    const feeds::VenueModule* module = feeds::find_venue_module(v.kind);
    VenueRecorder* recorder = nullptr;
    if (config_.record.enabled) {
      try {
        recorders_.push_back(std::make_unique<VenueRecorder>(config_.record, index, v.name, v.kind,
                                                             config_.text, *log_));
      } catch (const std::exception& e) {
        throw StartupError(fmt::format("venue '{}': [record] directory {}: {}", v.name,
                                       config_.record.directory, e.what()));
      }
      recorder = recorders_.back().get();
    }
    std::unique_ptr<shm::MemberLines> lines;
    if (segments_->consolidated) {
      lines = std::make_unique<shm::MemberLines>(
          segments_->consolidated->lines_of(v.name, static_cast<std::uint32_t>(v.symbols.size())));
    }
    venues_.push_back(std::make_unique<VenueRunner>(index++, v, std::move(writer), *module, *log_,
                                                    recorder, std::move(lines)));
    spdlog::info("venue '{}': {} {} symbols, depth {}, segment {}", v.name, v.url, v.symbols.size(),
                 v.depth, opts.dir + "/venue-" + v.name);
  }
}

// The cold side's state while run() serves.
struct Daemon::Cold {
  asio::io_context io{1};
  asio::signal_set signals{io, SIGTERM, SIGINT, SIGHUP};
  asio::steady_timer timer{io};
  std::unique_ptr<MetricsServer> metrics;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point next_stats;
  std::chrono::steady_clock::time_point next_watchdog;
  std::int64_t watchdog_ns = 0;
  std::vector<std::uint64_t> last_ticks;
  bool ready = false;
  bool stopping = false;
  int exit_code = 0;
};

int Daemon::run() {
  Cold cold;  // signals are caught from here on (before any venue thread exists)
  set_stop_signals(SIG_UNBLOCK);  // one held since start-up is delivered to `cold` now
  create_venues();

  if (config_.daemon.metrics_listen) {
    const auto& l = *config_.daemon.metrics_listen;
    try {
      cold.metrics = std::make_unique<MetricsServer>(
          cold.io, l, [this] { return prometheus_text(venues_, log_->dropped()); });
      spdlog::info("metrics on http://{}:{}/metrics", l.host, cold.metrics->port());
    } catch (const std::exception& e) {
      throw StartupError(fmt::format("metrics_listen {}:{}: {}", l.host, l.port, e.what()));
    }
  }

  segments_->set_state(shm::SegmentState::live);
  segments_->heartbeat(feeds::monotonic_ns());
  for (auto& r : recorders_) {
    try {
      r->start();  // opens its first file
    } catch (const std::exception& e) {
      throw StartupError(fmt::format("[record]: {}", e.what()));
    }
  }
  for (auto& v : venues_) v->start();
  spdlog::info("started {} venue thread(s), instance '{}' in {}", venues_.size(),
               config_.daemon.instance, config_.daemon.instance_dir().string());

  cold.watchdog_ns = watchdog_interval_ns();
  cold.last_ticks.assign(venues_.size(), ~std::uint64_t{0});
  const auto stats_every = std::chrono::seconds(config_.daemon.stats_interval_s);
  cold.next_stats = cold.started + stats_every;
  cold.next_watchdog = cold.started;

  auto drain_logs = [this] {
    LogRecord r;
    while (log_->pop(r)) {
      const auto level =
          static_cast<spdlog::level::level_enum>(r.level < 0 ? 0 : (r.level > 6 ? 6 : r.level));
      const std::string_view name =
          r.venue < venues_.size() ? std::string_view(venues_[r.venue]->name()) : "?";
      spdlog::log(level, "{}: {}", name, std::string_view(r.text, r.len));
    }
  };

  auto status_text = [this] {
    std::string s;
    for (const auto& v : venues_) {
      const auto& sum = v->summary();
      const auto live = sum.books_by_status[static_cast<std::size_t>(feeds::BookStatus::live)].load(
          std::memory_order_relaxed);
      s += fmt::format("{}{} {}/{} live", s.empty() ? "" : ", ", v->name(), live, v->book_count());
    }
    return s;
  };

  auto stop = [&](const std::string& why) {
    cold.stopping = true;
    notify("STOPPING=1\nSTATUS=stopping (" + why + ")");
    cold.timer.cancel();
    if (cold.metrics) cold.metrics->close();
    cold.signals.cancel();
    cold.io.stop();
  };

  std::function<void()> tick;
  tick = [&] {
    drain_logs();
    if (cold.stopping) return;
    const auto now = std::chrono::steady_clock::now();
    segments_->heartbeat(feeds::monotonic_ns());
    if (!cold.ready) {
      bool all = true;
      for (const auto& v : venues_)
        all = all && v->summary().attempted.load(std::memory_order_relaxed);
      if (all || now - cold.started > kReadyTimeout) {
        cold.ready = true;
        notify("READY=1\nSTATUS=" + status_text());
        spdlog::info("ready: {}{}", status_text(),
                     all ? "" : " (not every venue has attempted a connection yet)");
      }
    }
    for (const auto& v : venues_) {
      if (v->summary().finished.load(std::memory_order_acquire)) {
        // A venue thread ended by itself (an exception): let systemd restart us.
        spdlog::critical("{}: venue thread ended unexpectedly; stopping", v->name());
        cold.exit_code = 1;
        stop(std::string("venue ") + v->name() + " failed");
        return;
      }
    }
    if (cold.watchdog_ns > 0 && now >= cold.next_watchdog) {
      // Ping only while every venue loop still turns: a wedged venue thread
      // stops the pings and systemd restarts the daemon.
      bool alive = true;
      for (std::size_t i = 0; i < venues_.size(); ++i) {
        const auto t = venues_[i]->summary().ticks.load(std::memory_order_relaxed);
        alive = alive && t != cold.last_ticks[i];
        cold.last_ticks[i] = t;
      }
      if (alive) {
        notify("WATCHDOG=1");
      } else {
        spdlog::warn("watchdog: a venue thread made no progress; not pinging");
      }
      cold.next_watchdog = now + std::chrono::nanoseconds(cold.watchdog_ns);
    }
    if (now >= cold.next_stats) {
      for (const auto& v : venues_) spdlog::info("stats {}", stats_line(*v));
      if (cold.ready) notify("STATUS=" + status_text());
      cold.next_stats = now + stats_every;
    }
    cold.timer.expires_after(kColdTick);
    cold.timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  };

  std::function<void()> wait_signal;
  wait_signal = [&] {
    cold.signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (signo == SIGHUP) {
        // Logs go to stderr (journald): there is no file to reopen.
        spdlog::info("SIGHUP: logging to stderr, nothing to reopen");
        spdlog::default_logger()->flush();
        wait_signal();
        return;
      }
      spdlog::info("{}: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
      stop(signo == SIGTERM ? "SIGTERM" : "SIGINT");
    });
  };

  wait_signal();
  tick();
  cold.io.run();

  stop_venues();
  drain_logs();
  for (const auto& v : venues_) spdlog::info("final {}", stats_line(*v));
  segments_->set_state(shm::SegmentState::closed);
  spdlog::info("stopped");
  return cold.exit_code;
}

void Daemon::stop_venues() {
  for (auto& v : venues_) v->request_stop();
  const auto deadline = std::chrono::steady_clock::now() + kStopBudget;
  for (auto& v : venues_) {
    while (!v->summary().finished.load(std::memory_order_acquire) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!v->summary().finished.load(std::memory_order_acquire)) {
      spdlog::warn("{}: venue thread did not stop in time; forcing", v->name());
      v->force_stop();
    }
  }
  for (auto& v : venues_) v->join();
  for (auto& r : recorders_) r->stop();  // after the venue threads: nothing more is recorded
}

}  // namespace wirebook::daemon
