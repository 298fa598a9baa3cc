// `wirebook sim`: options -> SimConfig -> Simulator::run(). Venue-specific
// options, ports and faults are keyed by venue module name; the help lists
// each module's options from its own table (tools/sim/module.hpp).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/replay/replay.hpp"
#include "tools/sim/capture.hpp"
#include "tools/sim/sim.hpp"
#include "tools/wirebook/subcommand.hpp"

namespace wirebook::cli {

namespace {

struct SimArgs {
  std::vector<std::string> venues;  // empty: every module
  std::uint64_t seed = 1;
  std::size_t symbols = 0;
  std::size_t min_levels = 50;
  std::size_t max_levels = 400;
  double rate = 20;
  std::uint64_t frames = 0;
  double seconds = 0;
  std::size_t wait_subscriptions = 0;
  std::string bind = "127.0.0.1";
  std::vector<std::string> ws_ports;   // <venue>=<port>
  std::vector<std::string> wss_ports;  // <venue>=<port>
  std::vector<std::string> sets;       // <venue>.<key>=<value>
  std::string ca_out;
  std::string truth;
  std::string access_log;
  int linger_ms = 200;
  std::vector<std::string> faults;
  std::string capture;
  std::vector<std::string> replay;  // recordings served as the capture
  double capture_speed = 1.0;
  std::size_t backpressure_bytes = 4U << 20U;
  std::size_t max_queue_bytes = 256U << 20U;
};

constexpr const char* kFooter = R"(
Output (stdout, one line each, flushed before serving):
  WIREBOOK_SIM <venue> <url>        one per endpoint, e.g. ws://127.0.0.1:40123<path>
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
Truth: the generator's final books in `wirebook dump --json` format (DESIGN.md §7),
  including every delta a fault hid from clients.
Capture (--capture): JSON lines {"t_ns":<int>,"venue":"<venue>","frame":"<raw text>"},
  replayed to every connection of that venue from its start, at --capture-speed.
)";

// One venue module in the help: what it serves and its options with their defaults and rules.
std::string describe_module(const sim::VenueModule& m) {
  const std::string name(m.name);
  std::string out = "  " + name + ": " + std::string(m.description) + "\n    " +
                    sim::to_string(m.transport) + " on " + std::string(m.path) + "\n";
  if (!m.options.empty()) out += "    options (--set " + name + ".KEY=VALUE):\n";
  for (const sim::OptionSpec& o : m.options) {
    out += "      " + std::string(o.key) + "=" + std::string(o.default_value) + ": " +
           std::string(o.help) + "; " + sim::describe_rule(o) + "\n";
  }
  return out;
}

// Venue modules and examples built from the simulator table, so the help
// never goes stale when a module is added.
std::string modules_help() {
  std::string out = "\nVenue modules (--venue NAME), with their options and defaults:\n";
  for (const sim::VenueModule* m : sim::venue_modules()) out += describe_module(*m);
  const sim::VenueModule& first = *sim::venue_modules().front();
  const std::string name(first.name);
  out += "Examples:\n  wirebook sim --venue " + name + " --ws-port " + name + "=0 --wss-port " +
         name + "=-1 --rate 0 --frames 100000 --truth /tmp/truth.jsonl\n";
  out += "  wirebook sim --fault drop=0.01 --fault " + name + ":" +
         first.default_symbols().front().name + ":reorder=0.05 --fault " + name + ":refuse=2\n";
  if (!first.options.empty()) {
    const sim::OptionSpec& o = first.options.front();
    out += "  wirebook sim --set " + name + "." + std::string(o.key) + "=" +
           std::string(o.default_value) + "\n";
  }
  return out;
}

sim::SimConfig make_config(const SimArgs& a) {
  sim::SimConfig cfg;
  cfg.venues = a.venues;
  cfg.bind_address = a.bind;
  for (const std::string& p : a.ws_ports) sim::apply_port_spec(cfg, p, false);
  for (const std::string& p : a.wss_ports) sim::apply_port_spec(cfg, p, true);
  for (const std::string& s : a.sets) sim::apply_option_spec(cfg, s);
  for (const std::string& f : a.faults) sim::apply_fault_spec(cfg.faults, f);
  cfg.ca_path = a.ca_out;
  cfg.truth_path = a.truth;
  cfg.linger_ms = a.linger_ms;
  cfg.capture_path = a.capture;
  cfg.access_log_path = a.access_log;
  sim::VenueOptions& o = cfg.venue;
  o.seed = a.seed;
  o.symbols = a.symbols;
  o.gen.min_levels = a.min_levels;
  o.gen.max_levels = a.max_levels;
  o.rate = a.rate;
  o.frames = a.frames;
  o.seconds = a.seconds;
  o.wait_subscriptions = a.wait_subscriptions;
  o.capture_speed = a.capture_speed;
  o.backpressure_bytes = a.backpressure_bytes;
  o.max_queue_bytes = a.max_queue_bytes;
  return cfg;
}

// `--replay FILE...`: the recordings' received frames as a capture file
// (in the scratch directory the CA goes to, or /tmp), then served like --capture.
std::string capture_from_recordings(const std::vector<std::string>& files) {
  const auto frames = replay::recorded_frames(files);
  if (frames.empty()) throw std::runtime_error("--replay: the recordings hold no received frame");
  const std::string path = "/tmp/wirebook-sim-replay-" + std::to_string(::getpid()) + ".jsonl";
  std::ofstream out(path, std::ios::trunc);
  for (const auto& f : frames) out << sim::capture_line(f.t_ns, f.venue_kind, f.frame) << '\n';
  if (!out) throw std::runtime_error("--replay: cannot write " + path);
  return path;
}

int run_sim(const SimArgs& given) {
  SimArgs a = given;
  if (!a.replay.empty()) a.capture = capture_from_recordings(a.replay);
  sim::Simulator simulator(make_config(a));
  for (const sim::Endpoint& e : simulator.endpoints())
    std::printf("WIREBOOK_SIM %s %s\n", e.venue.c_str(), e.url.c_str());
  if (!simulator.ca_path().empty())
    std::printf("WIREBOOK_SIM_CA %s\n", simulator.ca_path().c_str());
  std::printf("WIREBOOK_SIM_READY\n");
  std::fflush(stdout);
  simulator.handle_signals();
  simulator.run();
  const std::string report = simulator.report();
  std::fputs(report.c_str(), a.truth == "-" ? stderr : stdout);
  std::fflush(stdout);
  if (!given.replay.empty()) std::remove(a.capture.c_str());
  return 0;
}

void add_market_options(CLI::App* s, SimArgs& a) {
  s->add_option("--seed", a.seed, "Seed: books, change ids and faults are reproducible per seed")
      ->capture_default_str();
  s->add_option("--symbols", a.symbols,
                "Instruments per venue (0 = the default list; more adds synthetic ones with ticks "
                "0.5 .. 0.000001)")
      ->capture_default_str();
  s->add_option("--min-levels", a.min_levels, "Minimum levels per side")->capture_default_str();
  s->add_option("--max-levels", a.max_levels, "Maximum levels per side")->capture_default_str();
  s->add_option("--rate", a.rate, "Book events per second per venue (0 = as fast as clients drain)")
      ->capture_default_str();
  s->add_option("--frames", a.frames, "Stop after this many book events per venue (0 = unbounded)")
      ->capture_default_str();
  s->add_option("--seconds", a.seconds, "Stop after this many seconds of market (0 = unbounded)")
      ->capture_default_str();
  s->add_option("--wait-subscriptions", a.wait_subscriptions,
                "Hold each venue's market until it has this many subscriptions")
      ->capture_default_str();
  s->add_option("--fault", a.faults,
                "Fault spec [venue:][symbol:]kind=value; repeatable (see below)");
  s->add_option("--capture", a.capture,
                "Serve this capture file instead of the generator (format below)");
  s->add_option("--replay", a.replay,
                "Serve the frames these wirebookd recordings received, as a capture "
                "(every connection gets them from the start, at --capture-speed)")
      ->excludes("--capture");
  s->add_option("--capture-speed", a.capture_speed,
                "Capture replay speed factor (0 = as fast as possible)")
      ->capture_default_str();
}

void add_serving_options(CLI::App* s, SimArgs& a) {
  s->add_option("--venue", a.venues,
                "Venue to serve (" + sim::module_names() + "); repeatable; default: every one");
  s->add_option("--bind", a.bind, "Address to listen on")->capture_default_str();
  s->add_option("--ws-port", a.ws_ports,
                "VENUE=PORT: the venue's ws:// port, also plain http:// for REST GETs "
                "(0 = pick a free one, -1 = off; default 0); repeatable");
  s->add_option("--wss-port", a.wss_ports,
                "VENUE=PORT: the venue's wss:// port, also https:// (0 = pick, -1 = off; "
                "default 0); repeatable");
  s->add_option("--set", a.sets,
                "VENUE.KEY=VALUE: an option of one venue module (listed below); repeatable");
  s->add_option(
      "--ca-out", a.ca_out,
      "Write the generated CA certificate here (default: a new /tmp/wirebook-sim-*/ca.pem)");
  s->add_option("--truth", a.truth,
                "Write the true final books (dump --json format) here at the end; '-' = stdout");
  s->add_option("--access-log", a.access_log,
                "Write one line per client request here: <CLOCK_MONOTONIC ns> <venue> "
                "connect|rest (flushed at once; SIGUSR1 drops every connection of every venue)");
  s->add_option("--linger-ms", a.linger_ms,
                "After a bounded run, keep connections open this long before closing them")
      ->capture_default_str();
  s->add_option("--backpressure-bytes", a.backpressure_bytes,
                "Max-rate mode pauses while a client has more than this queued")
      ->capture_default_str();
  s->add_option("--max-queue-bytes", a.max_queue_bytes,
                "Drop a client whose send queue exceeds this (slow consumer)")
      ->capture_default_str();
}

}  // namespace

void setup_sim(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SimArgs>();
  CLI::App* s = app.add_subcommand("sim", "Loopback venue simulator (" + sim::module_names() +
                                              ") with seeded books and fault injection");
  s->footer(std::string(kFooter) + modules_help());
  add_serving_options(s, *args);
  add_market_options(s, *args);
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
