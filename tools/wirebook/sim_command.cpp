// `wirebook sim`: options -> SimConfig -> Simulator::run().
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/sim/sim.hpp"
#include "tools/wirebook/subcommand.hpp"

namespace wirebook::cli {

namespace {

struct SimArgs {
  std::vector<std::string> venues{"woo", "pulse"};
  std::uint64_t seed = 1;
  std::size_t symbols = 0;
  std::size_t min_levels = 50;
  std::size_t max_levels = 400;
  double rate = 20;
  std::uint64_t frames = 0;
  double seconds = 0;
  std::size_t wait_subscriptions = 0;
  std::string bind = "127.0.0.1";
  int woo_ws_port = 0, woo_wss_port = 0, pulse_ws_port = 0, pulse_wss_port = 0;
  int o2_ws_port = 0, o2_wss_port = 0;
  bool o2_unsequenced = false;
  std::string ca_out;
  std::string truth;
  int linger_ms = 200;
  int woo_ping_ms = 10'000;
  int woo_max_missed_pongs = 10;
  int woo_snapshot_ms = 1'000;
  int pulse_second_ms = 1'000;
  int pulse_agg_ms = 100;
  std::string pulse_client_id = "sim-client";
  std::string pulse_client_secret = "sim-secret";
  bool pulse_raw_needs_auth = false;
  double pulse_exponent_rate = 0.05;
  std::vector<std::string> faults;
  std::string capture;
  double capture_speed = 1.0;
  std::size_t backpressure_bytes = 4U << 20U;
  std::size_t max_queue_bytes = 256U << 20U;
};

constexpr const char* kFooter = R"(
Output (stdout, one line each, flushed before serving):
  WIREBOOK_SIM <venue> <url>        e.g. WIREBOOK_SIM woo ws://127.0.0.1:40123/ws/stream
  WIREBOOK_SIM_CA <path>            CA certificate (PEM) that signed the wss:// certificate
  WIREBOOK_SIM_READY
At the end: WIREBOOK_SIM_REPORT venue=<v> events=.. delta_frames=.. <fault>=<count> ...
(stderr when --truth -), then the truth file is written.

Fault specs (--fault, repeatable): [venue:][symbol:]kind=value
  per delta frame of a symbol (probability, at most one per frame):
    drop, dup, reorder, corrupt, truncate, oversize, wrong_type
  per delta frame, independent: stall (pause the venue for stall_ms),
    tcp_close (abrupt TCP close of its subscribers), mid_frame_close
    (send half a frame, then TCP close)
  per connection: refuse=K (close the first K accepted connections),
    http429=P (answer the upgrade with HTTP 429), slow=P (serve the connection
    slowly: slow_ms before every read and write)
  parameters: stall_ms=2000, slow_ms=50, oversize_bytes=2097152
  examples: --fault drop=0.01 --fault woo:SPOT_BTC_USDT:reorder=0.05 --fault pulse:refuse=2
Truth: the generator's final books in `wirebook dump --json` format (DESIGN.md §7),
  including every delta a fault hid from clients.
Capture (--capture): JSON lines {"t_ns":<int>,"venue":"woo"|"pulse","frame":"<raw text>"},
  replayed to every connection of that venue from its start, at --capture-speed.
)";

int run_sim(const SimArgs& a) {
  sim::SimConfig cfg;
  cfg.venues.clear();
  for (const std::string& v : a.venues) {
    if (v == "woo")
      cfg.venues.push_back(sim::VenueKind::woo);
    else if (v == "pulse")
      cfg.venues.push_back(sim::VenueKind::pulse);
    else if (v == "o2")
      cfg.venues.push_back(sim::VenueKind::o2);
    else
      throw std::invalid_argument("unknown venue '" + v + "' (woo, pulse, o2)");
  }
  cfg.bind_address = a.bind;
  cfg.ws_port[0] = a.woo_ws_port;
  cfg.wss_port[0] = a.woo_wss_port;
  cfg.ws_port[1] = a.pulse_ws_port;
  cfg.wss_port[1] = a.pulse_wss_port;
  cfg.ws_port[2] = a.o2_ws_port;
  cfg.wss_port[2] = a.o2_wss_port;
  cfg.o2.sequenced = !a.o2_unsequenced;
  cfg.ca_path = a.ca_out;
  cfg.truth_path = a.truth;
  cfg.linger_ms = a.linger_ms;
  cfg.capture_path = a.capture;
  sim::VenueOptions& o = cfg.venue;
  o.seed = a.seed;
  o.symbols = a.symbols;
  o.gen.min_levels = a.min_levels;
  o.gen.max_levels = a.max_levels;
  o.rate = a.rate;
  o.frames = a.frames;
  o.seconds = a.seconds;
  o.wait_subscriptions = a.wait_subscriptions;
  o.woo_ping_ms = a.woo_ping_ms;
  o.woo_max_missed_pongs = a.woo_max_missed_pongs;
  o.woo_snapshot_ms = a.woo_snapshot_ms;
  o.pulse_second_ms = a.pulse_second_ms;
  o.pulse_agg_ms = a.pulse_agg_ms;
  o.pulse_client_id = a.pulse_client_id;
  o.pulse_client_secret = a.pulse_client_secret;
  o.pulse_raw_needs_auth = a.pulse_raw_needs_auth;
  o.pulse_exponent_rate = a.pulse_exponent_rate;
  o.capture_speed = a.capture_speed;
  o.backpressure_bytes = a.backpressure_bytes;
  o.max_queue_bytes = a.max_queue_bytes;
  for (const std::string& f : a.faults) sim::apply_fault_spec(cfg.faults, f);

  sim::Simulator simulator(cfg);
  for (const sim::Endpoint& e : simulator.endpoints())
    std::printf("WIREBOOK_SIM %s %s\n", sim::to_string(e.venue), e.url.c_str());
  if (!simulator.ca_path().empty())
    std::printf("WIREBOOK_SIM_CA %s\n", simulator.ca_path().c_str());
  std::printf("WIREBOOK_SIM_READY\n");
  std::fflush(stdout);
  simulator.handle_signals();
  simulator.run();
  const std::string report = simulator.report();
  std::fputs(report.c_str(), a.truth == "-" ? stderr : stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

void setup_sim(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SimArgs>();
  CLI::App* s = app.add_subcommand(
      "sim",
      "Loopback venue simulator (WOO X v2, Pulse, O2) with seeded books and fault injection");
  s->footer(kFooter);
  s->add_option("--venue", args->venues, "Venues to serve (woo, pulse, o2); repeatable")
      ->capture_default_str();
  s->add_option("--seed", args->seed,
                "Seed: books, change ids and faults are reproducible per seed")
      ->capture_default_str();
  s->add_option("--symbols", args->symbols,
                "Instruments per venue (0 = the default list; more adds synthetic ones with ticks "
                "0.5 .. 0.000001)")
      ->capture_default_str();
  s->add_option("--min-levels", args->min_levels, "Minimum levels per side")->capture_default_str();
  s->add_option("--max-levels", args->max_levels, "Maximum levels per side")->capture_default_str();
  s->add_option("--rate", args->rate,
                "Book events per second per venue (0 = as fast as clients drain)")
      ->capture_default_str();
  s->add_option("--frames", args->frames,
                "Stop after this many book events per venue (0 = unbounded)")
      ->capture_default_str();
  s->add_option("--seconds", args->seconds,
                "Stop after this many seconds of market (0 = unbounded)")
      ->capture_default_str();
  s->add_option("--wait-subscriptions", args->wait_subscriptions,
                "Hold each venue's market until it has this many subscriptions")
      ->capture_default_str();
  s->add_option("--bind", args->bind, "Address to listen on")->capture_default_str();
  s->add_option("--woo-ws-port", args->woo_ws_port,
                "WOO ws:// port (0 = pick a free one, -1 = off)")
      ->capture_default_str();
  s->add_option("--woo-wss-port", args->woo_wss_port, "WOO wss:// port (0 = pick, -1 = off)")
      ->capture_default_str();
  s->add_option("--pulse-ws-port", args->pulse_ws_port, "Pulse ws:// port (0 = pick, -1 = off)")
      ->capture_default_str();
  s->add_option("--pulse-wss-port", args->pulse_wss_port, "Pulse wss:// port (0 = pick, -1 = off)")
      ->capture_default_str();
  s->add_option("--o2-ws-port", args->o2_ws_port,
                "O2 ws:// port, also plain http:// REST (0 = pick, -1 = off)")
      ->capture_default_str();
  s->add_option("--o2-wss-port", args->o2_wss_port,
                "O2 wss:// port, also https:// REST (0 = pick, -1 = off)")
      ->capture_default_str();
  s->add_flag("--o2-unsequenced", args->o2_unsequenced,
              "O2: book frames without seq/prev_seq (gap detection then best effort)");
  s->add_option(
      "--ca-out", args->ca_out,
      "Write the generated CA certificate here (default: a new /tmp/wirebook-sim-*/ca.pem)");
  s->add_option("--truth", args->truth,
                "Write the true final books (dump --json format) here at the end; '-' = stdout");
  s->add_option("--linger-ms", args->linger_ms,
                "After a bounded run, keep connections open this long before closing them")
      ->capture_default_str();
  s->add_option("--woo-ping-ms", args->woo_ping_ms, "WOO server ping period")
      ->capture_default_str();
  s->add_option("--woo-max-missed-pongs", args->woo_max_missed_pongs,
                "WOO: close after this many unanswered pings")
      ->capture_default_str();
  s->add_option("--woo-snapshot-ms", args->woo_snapshot_ms,
                "WOO @orderbook push period (pushed only on change)")
      ->capture_default_str();
  s->add_option("--pulse-second-ms", args->pulse_second_ms,
                "Pulse: length of one heartbeat-interval second (tests shrink it)")
      ->capture_default_str();
  s->add_option("--pulse-agg-ms", args->pulse_agg_ms, "Pulse: period of book.*.100ms channels")
      ->capture_default_str();
  s->add_option("--pulse-client-id", args->pulse_client_id, "Pulse public/auth client_id")
      ->capture_default_str();
  s->add_option("--pulse-client-secret", args->pulse_client_secret,
                "Pulse public/auth client_secret (HMAC key for client_signature)")
      ->capture_default_str();
  s->add_flag("--pulse-raw-needs-auth", args->pulse_raw_needs_auth,
              "Pulse: refuse book.*.raw before public/auth (error 13778, as Deribit)");
  s->add_option("--pulse-exponent-rate", args->pulse_exponent_rate,
                "Pulse: share of numbers printed in exponent form (2.5e4)")
      ->capture_default_str();
  s->add_option("--fault", args->faults,
                "Fault spec [venue:][symbol:]kind=value; repeatable (see below)");
  s->add_option("--capture", args->capture,
                "Serve this capture file instead of the generator (format below)");
  s->add_option("--capture-speed", args->capture_speed,
                "Capture replay speed factor (0 = as fast as possible)")
      ->capture_default_str();
  s->add_option("--backpressure-bytes", args->backpressure_bytes,
                "Max-rate mode pauses while a client has more than this queued")
      ->capture_default_str();
  s->add_option("--max-queue-bytes", args->max_queue_bytes,
                "Drop a client whose send queue exceeds this (slow consumer)")
      ->capture_default_str();
  s->callback([args, &exit_code] {
    try {
      exit_code = run_sim(*args);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "wirebook sim: %s\n", e.what());
      exit_code = 1;
    }
  });
}

}  // namespace wirebook::cli
