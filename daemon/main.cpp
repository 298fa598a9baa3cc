// wirebookd: the feed-handler daemon (DESIGN.md §7).
//   wirebookd --config FILE           run until SIGTERM/SIGINT
//   wirebookd --config FILE --check   validate, print a summary, exit 0 (2 on errors)
// Exit codes: 0 ok, 1 unexpected failure, 2 configuration or start-up problem.
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "config/config.hpp"
#include "daemon/daemon.hpp"
#include "feeds/registry.hpp"

namespace {

using wirebook::config::LogLevel;

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
    case LogLevel::critical:
      return spdlog::level::critical;
    case LogLevel::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

void setup_logging() {
  // stderr, no colours: journald adds its own timestamps, but keep ours for
  // terminals and test logs.
  auto logger = std::make_shared<spdlog::logger>("wirebookd",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  logger->flush_on(spdlog::level::trace);  // cold path only; never lose the last lines
  spdlog::set_default_logger(logger);
}

int check(const wirebook::config::Config& cfg) {
  std::fputs(wirebook::config::summarize(cfg).c_str(), stdout);
  for (const auto& p : wirebook::daemon::unimplemented_venues(cfg)) {
    std::printf("note: %s (wirebookd would refuse to start)\n", p.c_str());
  }
  std::printf("%s: configuration OK\n", cfg.source.c_str());
  return 0;
}

}  // namespace

static int run_main(int argc, char** argv) {
  CLI::App app{"wirebookd: low-latency market-data feed handler daemon"};
  std::string config_path;
  bool check_only = false;
  bool list_kinds = false;
  app.add_option("-c,--config", config_path, "Configuration file (TOML)");
  app.add_flag("--check", check_only, "Validate the configuration, print a summary and exit");
  app.add_flag("--kinds", list_kinds, "Print the venue kinds this build implements and exit");
  CLI11_PARSE(app, argc, argv);

  if (list_kinds) {
    std::printf("%s\n", wirebook::feeds::implemented_kinds().c_str());
    return 0;
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "wirebookd: --config FILE is required\n");
    return 2;
  }

  wirebook::config::Config cfg;
  try {
    cfg = wirebook::config::load_config(config_path, wirebook::feeds::venue_rules());
  } catch (const wirebook::config::ConfigError& e) {
    std::fprintf(stderr, "wirebookd: invalid configuration (%zu problem%s):\n%s\n",
                 e.problems().size(), e.problems().size() == 1 ? "" : "s", e.what());
    return 2;
  }
  if (check_only) return check(cfg);

  wirebook::daemon::hold_stop_signals();
  setup_logging();
  spdlog::set_level(to_spdlog(cfg.daemon.log_level));
  for (const auto& w : cfg.warnings) spdlog::warn("CONFIG WARNING: {}", w);
  try {
    wirebook::daemon::Daemon daemon(std::move(cfg));
    return daemon.run();
  } catch (const wirebook::daemon::StartupError& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
}

int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wirebookd: fatal: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "wirebookd: fatal: unknown exception\n");
  }
  return 1;
}
