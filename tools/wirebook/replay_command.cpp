// `wirebook replay FILE... [--venue V] [--from T] [--until T] [--speed N|max]
// [--instance I] [--dir D]`: a recording through the same venue code into a
// fresh shared-memory instance (tools/replay/replay.hpp).
#include <time.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "tools/replay/replay.hpp"
#include "tools/wirebook/subcommand.hpp"

namespace wirebook::cli {

namespace {

// ns since the epoch, or UTC "YYYY-MM-DDTHH:MM:SS[.fraction]Z".
std::int64_t parse_time(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoll(text);
  }
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) throw std::invalid_argument("time '" + text + "': want ns or ISO 8601 UTC");
  std::int64_t ns = static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000;
  if (*rest == '.') {
    std::int64_t scale = 100'000'000;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, scale /= 10) ns += (*rest - '0') * scale;
  }
  if (std::string(rest) != "Z") throw std::invalid_argument("time '" + text + "': end it with Z");
  return ns;
}

struct ReplayArgs {
  replay::ReplayOptions options;
  bool bench = false;
  std::string config;  // --bench with JSONL
  int rounds = 3;
  std::string latencies;  // --bench: per-frame times to this file
  std::string from;
  std::string until;
  std::string speed = "max";
};

int run_bench(const ReplayArgs& a) {
  replay::BenchOptions b;
  b.files = a.options.files;
  b.venue = a.options.venue;
  b.config = a.config;
  b.shm_dir = a.options.shm_dir;
  b.rounds = a.rounds;
  b.latencies_path = a.latencies;
  b.latencies_instance = a.options.instance;
  const auto r = replay::bench(b);
  std::printf("venue %s: %llu frames, %llu bytes (fastest of %d rounds)\n", r.venue.c_str(),
              static_cast<unsigned long long>(r.frames), static_cast<unsigned long long>(r.bytes),
              b.rounds);
  std::printf("  wirebook pipeline (parse, sequence, book, shm): %12.0f frames/s %9.1f ns/frame\n",
              1e9 / r.pipeline_ns_per_frame, r.pipeline_ns_per_frame);
  if (r.parse_ns_per_frame > 0) {
    std::printf(
        "  venue parser alone (parse-only):                %12.0f frames/s %9.1f ns/frame "
        "(%llu levels, %llu rejected)\n",
        1e9 / r.parse_ns_per_frame, r.parse_ns_per_frame,
        static_cast<unsigned long long>(r.parse_levels),
        static_cast<unsigned long long>(r.parse_failed));
  }
  std::printf(
      "  bare simdjson walk (every scalar's raw text):   %12.0f frames/s %9.1f ns/frame "
      "(%llu tokens)\n",
      1e9 / r.walk_ns_per_frame, r.walk_ns_per_frame,
      static_cast<unsigned long long>(r.walk_tokens));
  std::printf("  pipeline / bare walk: %.2fx the time\n",
              r.pipeline_ns_per_frame / r.walk_ns_per_frame);
  if (r.parse_ns_per_frame > 0) {
    std::printf("  pipeline / parse-only: %.2fx the time; parse-only / bare walk: %.2fx\n",
                r.pipeline_ns_per_frame / r.parse_ns_per_frame,
                r.parse_ns_per_frame / r.walk_ns_per_frame);
  }
  if (!b.latencies_path.empty()) {
    std::printf("  per-frame times: %s (final books: instance %s in %s)\n",
                b.latencies_path.c_str(), b.latencies_instance.c_str(), b.shm_dir.c_str());
  }
  return 0;
}

int run_replay(ReplayArgs& a) {
  if (a.bench) return run_bench(a);
  if (!a.from.empty()) a.options.from_realtime_ns = parse_time(a.from);
  if (!a.until.empty()) a.options.until_realtime_ns = parse_time(a.until);
  a.options.speed = a.speed == "max" ? 0.0 : std::stod(a.speed);
  if (a.options.speed < 0) throw std::invalid_argument("--speed must be > 0 or max");
  const auto report = replay::replay(a.options, [](std::string_view line) {
    std::fprintf(stderr, "wirebook replay: %.*s\n", static_cast<int>(line.size()), line.data());
  });
  std::printf("replayed %llu records (%llu frames, %llu gaps) into %s/%s\n",
              static_cast<unsigned long long>(report.records),
              static_cast<unsigned long long>(report.frames),
              static_cast<unsigned long long>(report.gaps), a.options.shm_dir.c_str(),
              a.options.instance.c_str());
  if (report.clock_mismatches > 0) {
    std::fprintf(stderr,
                 "wirebook replay: %llu inputs read the clock a different number of times than "
                 "recorded (this build's venue code differs from the recording's)\n",
                 static_cast<unsigned long long>(report.clock_mismatches));
  }
  if (report.rest_mismatches > 0) {
    std::fprintf(stderr,
                 "wirebook replay: %llu REST requests differ from the recorded ones (this "
                 "build's venue code differs from the recording's, or the recorder lost them)\n",
                 static_cast<unsigned long long>(report.rest_mismatches));
  }
  return report.problems.empty() ? 0 : 3;
}

}  // namespace

void setup_replay(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* sub = app.add_subcommand(
      "replay", "Replay recordings through the venue code into a fresh shared-memory instance");
  sub->add_option("files", args->options.files, "Recording files, in time order")->required();
  sub->add_option("--venue", args->options.venue, "Only this venue's recordings");
  sub->add_option("--from", args->from, "Start at this receive time (ns or ISO 8601 UTC)");
  sub->add_option("--until", args->until, "Stop after this receive time");
  sub->add_option("--speed", args->speed, "N x the recorded pace, or max (default)");
  sub->add_option("--instance", args->options.instance, "Instance to create (default replay)");
  sub->add_option("--dir", args->options.shm_dir, "Shared-memory root (default /dev/shm/wirebook)");
  sub->add_flag("--bench", args->bench,
                "Time the full pipeline, the parser alone and a bare simdjson walk (max speed)");
  sub->add_option("--config", args->config, "--bench with JSONL files: the config naming --venue");
  sub->add_option("--rounds", args->rounds, "--bench: timed rounds per pass (fastest counts)")
      ->check(CLI::Range(1, 100));
  sub->add_option("--latencies", args->latencies,
                  "--bench: also time every frame alone (into --instance, kept); write "
                  "'<pipeline ns> <walk ns>' lines");
  sub->callback([args, &exit_code] {
    try {
      exit_code = run_replay(*args);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wirebook replay: %s\n", e.what());
      exit_code = 2;
    }
  });
}

}  // namespace wirebook::cli
