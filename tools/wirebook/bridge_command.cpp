// `wirebook bridge`: publishes an instance's books and events to NATS
// JetStream (tools/nats/bridge.hpp; README "NATS bridge and mirror").
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tools/nats/bridge.hpp"
#include "tools/wirebook/nats_options.hpp"
#include "tools/wirebook/reader_common.hpp"

namespace wirebook::cli {

namespace {

struct BridgeArgs {
  Target target;
  nats::ConnectOptions connect;
  nats::BridgeOptions bridge;
  bool memory_storage = false;
  std::int64_t max_age_s = 3600;
};

void print_counters(const nats::BridgeCounters& c) {
  std::fprintf(stderr,
               "wirebook bridge: %llu events, %llu book records, %llu position records, %llu "
               "reference records, %llu snapshots, %llu messages (%llu bytes), %llu resets, %llu "
               "laps, %llu publish "
               "errors\n",
               static_cast<unsigned long long>(c.events.load()),
               static_cast<unsigned long long>(c.book_records.load()),
               static_cast<unsigned long long>(c.position_records.load()),
               static_cast<unsigned long long>(c.reference_records.load()),
               static_cast<unsigned long long>(c.snapshots.load()),
               static_cast<unsigned long long>(c.messages.load()),
               static_cast<unsigned long long>(c.bytes.load()),
               static_cast<unsigned long long>(c.resets.load()),
               static_cast<unsigned long long>(c.laps.load()),
               static_cast<unsigned long long>(c.publish_errors.load()));
}

int run_bridge(BridgeArgs& a) {
  install_stop_signals();
  a.bridge.instance = a.target.instance;
  a.bridge.dir = a.target.resolved();
  a.bridge.file_storage = !a.memory_storage;
  a.bridge.max_age_ms = a.max_age_s * 1000;
  if (a.connect.name.empty()) a.connect.name = "wirebook-bridge-" + a.target.instance;
  auto relay = std::make_shared<nats::AckRelay>();
  std::string error;
  auto client = nats::Client::connect(
      a.connect,
      [relay](std::string_view subject, bool ok, std::uint64_t seq) { (*relay)(subject, ok, seq); },
      0, error);
  if (client == nullptr) {
    std::fprintf(stderr, "wirebook bridge: %s\n", error.c_str());
    return kExitNats;
  }
  nats::Bridge b(a.bridge, *client);
  relay->attach(&b);
  const std::unique_ptr<nats::AckRelay, void (*)(nats::AckRelay*)> detach(
      relay.get(), [](nats::AckRelay* r) { r->attach(nullptr); });
  if (!b.start(error)) {
    std::fprintf(stderr, "wirebook bridge: %s\n", error.c_str());
    return error.rfind("cannot open", 0) == 0 ? kExitNoDaemon : kExitNats;
  }
  std::printf("READY instance=%s venues=%zu\n", a.target.instance.c_str(), b.venue_names().size());
  std::fflush(stdout);
  b.run(&stop_requested);
  print_counters(b.counters());
  return kExitOk;
}

}  // namespace

void setup_bridge(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BridgeArgs>();
  CLI::App* s = app.add_subcommand(
      "bridge", "Publish an instance's books and events to NATS JetStream (a shm reader)");
  add_target_options(*s, args->target);
  s->add_option("--venue", args->bridge.venues, "Only this venue; repeatable");
  add_nats_options(*s, args->connect);
  s->add_option("--snapshot-interval-ms", args->bridge.snapshot_interval_ms,
                "Publish every book's snapshot at least this often")
      ->capture_default_str();
  s->add_option("--heartbeat-ms", args->bridge.heartbeat_ms,
                "A message per venue at least this often (the mirror's staleness clock)")
      ->capture_default_str();
  s->add_option("--idle-us", args->bridge.idle_sleep_us,
                "Sleep this long when the rings are quiet; 0 spins (lowest latency, a whole core)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  s->add_flag("--memory-storage", args->memory_storage,
              "Create the streams in memory instead of files");
  s->add_option("--max-age-s", args->max_age_s, "Event stream: keep messages this long")
      ->capture_default_str();
  s->add_option("--max-bytes", args->bridge.max_bytes, "Event stream: size limit")
      ->capture_default_str();
  s->footer(std::string(kExitCodesHelp) + "\n  7  NATS unreachable, refused, or JetStream failed");
  s->callback([args, &exit_code] {
    try {
      exit_code = run_bridge(*args);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wirebook bridge: %s\n", e.what());
      exit_code = kExitIo;
    }
  });
}

}  // namespace wirebook::cli
