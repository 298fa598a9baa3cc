// `wirebook mirror`: rebuilds a bridged instance's shared memory from NATS
// JetStream on this host (tools/nats/mirror.hpp; README "NATS bridge and mirror").
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "shm/writer.hpp"
#include "tools/nats/mirror.hpp"
#include "tools/wirebook/nats_options.hpp"
#include "tools/wirebook/reader_common.hpp"

namespace wirebook::cli {

namespace {

struct MirrorArgs {
  nats::ConnectOptions connect;
  nats::MirrorOptions mirror;
  std::string dir;
  std::int64_t wait_ms = 0;
};

void print_counters(const nats::MirrorCounters& c) {
  std::fprintf(stderr,
               "wirebook mirror: %llu messages, %llu events, %llu book records, %llu position "
               "records, %llu reference records, %llu gaps, %llu resets, %llu chain breaks, %llu "
               "recoveries, %llu "
               "snapshots loaded, %llu rejected\n",
               static_cast<unsigned long long>(c.messages.load()),
               static_cast<unsigned long long>(c.events.load()),
               static_cast<unsigned long long>(c.book_records.load()),
               static_cast<unsigned long long>(c.position_records.load()),
               static_cast<unsigned long long>(c.reference_records.load()),
               static_cast<unsigned long long>(c.gaps.load()),
               static_cast<unsigned long long>(c.resets.load()),
               static_cast<unsigned long long>(c.chain_breaks.load()),
               static_cast<unsigned long long>(c.recoveries.load()),
               static_cast<unsigned long long>(c.snapshots_loaded.load()),
               static_cast<unsigned long long>(c.malformed.load()));
  if (c.source_to_mirror.count() > 0) {
    std::fprintf(stderr,
                 "wirebook mirror: source publish -> mirror publish p50 %lld us, p99 %lld us, "
                 "p99.9 %lld us over %llu publications (1 us buckets)\n",
                 static_cast<long long>(c.source_to_mirror.quantile_us(0.5)),
                 static_cast<long long>(c.source_to_mirror.quantile_us(0.99)),
                 static_cast<long long>(c.source_to_mirror.quantile_us(0.999)),
                 static_cast<unsigned long long>(c.source_to_mirror.count()));
  }
}

int run_mirror(MirrorArgs& a) {
  install_stop_signals();
  if (a.mirror.instance.empty()) a.mirror.instance = a.mirror.source;
  a.mirror.segments.dir = a.dir.empty() ? shm::default_instance_dir(a.mirror.instance) : a.dir;
  if (a.connect.name.empty()) a.connect.name = "wirebook-mirror-" + a.mirror.instance;
  std::string error;
  auto client = nats::Client::connect(a.connect, nullptr, 0, error);
  if (client == nullptr) {
    std::fprintf(stderr, "wirebook mirror: %s\n", error.c_str());
    return kExitNats;
  }
  nats::Mirror m(a.mirror, *client);
  if (!m.start(a.wait_ms <= 0 ? INT64_MAX / 1'000'000 : a.wait_ms, error)) {
    std::fprintf(stderr, "wirebook mirror: %s\n", error.c_str());
    return kExitNats;
  }
  std::printf("READY source=%s instance=%s dir=%s\n", a.mirror.source.c_str(),
              a.mirror.instance.c_str(), a.mirror.segments.dir.c_str());
  std::fflush(stdout);
  m.run(&stop_requested);
  print_counters(m.counters());
  return kExitOk;
}

}  // namespace

void setup_mirror(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<MirrorArgs>();
  CLI::App* s = app.add_subcommand(
      "mirror", "Rebuild a bridged instance's shared memory on this host from NATS JetStream");
  add_nats_options(*s, args->connect);
  s->add_option("--source", args->mirror.source, "The bridged instance")->required();
  s->add_option("--instance", args->mirror.instance, "Local instance name (default: the source)");
  s->add_option("--dir", args->dir, "Local instance directory (default /dev/shm/wirebook/NAME)");
  s->add_option("--venue", args->mirror.venues, "Only this venue; repeatable");
  s->add_option("--stale-ms", args->mirror.stale_ms,
                "Books turn STALE when the bridge is silent this long")
      ->capture_default_str();
  s->add_flag("--spin", args->mirror.spin,
              "Poll NATS without blocking: lower latency, a whole core per venue");
  s->add_option("--wait-ms", args->wait_ms,
                "Wait this long for the bridge's first publication (0: forever)")
      ->capture_default_str();
  s->footer(
      "Exit codes: 0 stopped by SIGINT/SIGTERM; 6 unexpected system error; 7 NATS "
      "unreachable or nothing bridged within --wait-ms, or a segment cannot be created");
  s->callback([args, &exit_code] {
    try {
      exit_code = run_mirror(*args);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wirebook mirror: %s\n", e.what());
      exit_code = kExitIo;
    }
  });
}

}  // namespace wirebook::cli
