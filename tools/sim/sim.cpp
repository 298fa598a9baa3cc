#include "tools/sim/sim.hpp"

#include <unistd.h>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>

#include "tools/sim/capture.hpp"
#include "tools/sim/server.hpp"
#include "tools/sim/tls.hpp"

namespace wirebook::sim {

namespace asio = boost::asio;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// The modules to serve: the configured names in order, or every module.
std::vector<const VenueModule*> served_modules(const SimConfig& cfg) {
  std::vector<const VenueModule*> out;
  for (const std::string& name : cfg.venues) {
    const VenueModule* m = &module_named(name);
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  if (cfg.venues.empty()) {
    const auto all = venue_modules();
    out.assign(all.begin(), all.end());
  }
  return out;
}

// Every module's options checked by its own table: those given (served or
// not, so a typo never passes silently) and the defaults of the served ones.
std::map<std::string, ModuleOptions, std::less<>> module_options(
    const SimConfig& cfg, const std::vector<const VenueModule*>& modules) {
  std::map<std::string, ModuleOptions, std::less<>> out;
  for (const auto& [name, given] : cfg.options) {
    const VenueModule& m = module_named(name);
    out.emplace(name, ModuleOptions(m.name, m.options, given));
  }
  for (const VenueModule* m : modules)
    if (!out.contains(m->name)) out.emplace(m->name, ModuleOptions(m->name, m->options, {}));
  return out;
}

VenuePorts ports_of(const SimConfig& cfg, std::string_view venue) {
  const auto it = cfg.ports.find(venue);
  return it == cfg.ports.end() ? VenuePorts{} : it->second;
}

const char* scheme(Transport t, bool tls) {
  if (t == Transport::websocket) return tls ? "wss://" : "ws://";
  return tls ? "https://" : "http://";
}

}  // namespace

struct Simulator::Impl {
  asio::io_context io{1};
  asio::steady_timer tick{io};
  asio::signal_set signals{io};
  asio::signal_set storm_signal{io};
  std::FILE* access_log = nullptr;
  std::vector<std::unique_ptr<Venue>> venues;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::atomic<bool> stop_requested{false};
  int linger_ms = 0;
  std::string bind_address;
  bool closing = false;
  Clock::time_point linger_until{};
  Clock::time_point close_deadline{};
  bool lingering = false;

  void schedule(bool immediate) {
    if (immediate) {
      asio::post(io, [this] { on_tick(); });
    } else {
      tick.expires_after(std::chrono::milliseconds(1));
      tick.async_wait([this](boost::system::error_code ec) {
        if (!ec) on_tick();
      });
    }
  }

  // SIGUSR1: every venue drops every connection at once; re-armed each time.
  void arm_storm_signal() {
    storm_signal.async_wait([this](boost::system::error_code ec, int) {
      if (ec) return;
      for (auto& v : venues) v->drop_all();
      arm_storm_signal();
    });
  }

  void begin_close(const char* reason) {
    closing = true;
    close_deadline = Clock::now() + std::chrono::seconds(3);
    for (auto& l : listeners) l->stop();
    for (auto& v : venues) v->close_all(1000, reason);
  }

  void on_tick() {
    const Clock::time_point now = Clock::now();
    bool again = false;
    for (auto& v : venues) again = v->poll(now) || again;
    if (stop_requested.load(std::memory_order_relaxed) && !closing)
      begin_close("simulator stopped");
    const bool all_done = !venues.empty() && std::all_of(venues.begin(), venues.end(),
                                                         [](auto& v) { return v->finished(); });
    if (all_done && !closing) {
      if (!lingering) {
        lingering = true;
        linger_until = now + std::chrono::milliseconds(linger_ms);
      } else if (now >= linger_until) {
        begin_close("simulation finished");
      }
    }
    if (closing) {
      std::size_t open = 0;
      for (auto& v : venues) open += v->open_sessions();
      if (open == 0 || now >= close_deadline) {
        io.stop();
        return;
      }
    }
    schedule(again);
  }
};

Simulator::Simulator(SimConfig cfg) : impl_(std::make_unique<Impl>()) {
  impl_->linger_ms = cfg.linger_ms;
  impl_->bind_address = cfg.bind_address;
  truth_path_ = cfg.truth_path;
  const std::vector<const VenueModule*> modules = served_modules(cfg);
  const auto options = module_options(cfg, modules);
  for (const auto& [name, ports] : cfg.ports) (void)module_named(name);
  Capture capture;
  const bool capture_mode = !cfg.capture_path.empty();
  if (capture_mode) capture = load_capture(cfg.capture_path);
  bool need_tls = false;
  for (const VenueModule* m : modules) need_tls = need_tls || ports_of(cfg, m->name).tls >= 0;
  TlsMaterial tls;
  if (need_tls) tls = make_ca(cfg.ca_path);
  for (const VenueModule* m : modules) {
    VenueOptions opts = cfg.venue;
    opts.faults = cfg.faults.of(m->name);
    opts.fault_params = cfg.faults.params;
    if (capture_mode) {
      const auto it = capture.find(m->name);
      if (it == capture.end()) continue;  // nothing to serve for this venue
      opts.capture = std::move(it->second);
    }
    std::unique_ptr<Venue> v = m->make(*m, std::move(opts), options.find(m->name)->second);
    listen(*v, ports_of(cfg, m->name), tls);
    impl_->venues.push_back(std::move(v));
  }
  if (impl_->venues.empty()) throw std::runtime_error("no venue to serve");
  if (!cfg.access_log_path.empty()) {
    impl_->access_log = std::fopen(cfg.access_log_path.c_str(), "w");
    if (impl_->access_log == nullptr) {
      throw std::runtime_error("cannot write " + cfg.access_log_path);
    }
    for (auto& v : impl_->venues) v->set_access_log(impl_->access_log);
  }
}

TlsMaterial Simulator::make_ca(const std::string& ca_path) {
  TlsMaterial tls = generate_tls_material();
  ca_path_ = ca_path;
  if (ca_path_.empty()) {
    char tmpl[] = "/tmp/wirebook-sim-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    ca_path_ = std::string(tmpl) + "/ca.pem";
    temp_dir_ = tmpl;  // ours: removed with the simulator
  }
  write_file(ca_path_, tls.ca_cert_pem);
  return tls;
}

void Simulator::listen(Venue& v, VenuePorts ports, const TlsMaterial& tls) {
  for (const bool use_tls : {false, true}) {
    const int port = use_tls ? ports.tls : ports.plain;
    if (port < 0) continue;
    auto l = std::make_unique<Listener>(impl_->io, v, impl_->bind_address,
                                        static_cast<std::uint16_t>(port), use_tls ? &tls : nullptr);
    Endpoint ep{std::string(v.name()), use_tls, {}, l->port()};
    ep.url = std::string(scheme(v.module().transport, use_tls)) + impl_->bind_address + ":" +
             std::to_string(ep.port) + std::string(v.path());
    endpoints_.push_back(std::move(ep));
    impl_->listeners.push_back(std::move(l));
  }
}

Simulator::~Simulator() {
  if (impl_->access_log != nullptr) std::fclose(impl_->access_log);
  if (!temp_dir_.empty()) {
    std::remove(ca_path_.c_str());
    ::rmdir(temp_dir_.c_str());
  }
}

std::string Simulator::url(std::string_view venue, bool tls) const {
  for (const Endpoint& e : endpoints_)
    if (e.venue == venue && e.tls == tls) return e.url;
  return {};
}

std::string Simulator::rest_base(std::string_view venue, bool tls) const {
  Venue* v = this->venue(venue);
  if (v == nullptr || v->rest() == nullptr) return {};
  for (const Endpoint& e : endpoints_)
    if (e.venue == venue && e.tls == tls)
      return std::string(tls ? "https://" : "http://") + impl_->bind_address + ":" +
             std::to_string(e.port);
  return {};
}

void Simulator::run() {
  impl_->schedule(false);
  impl_->io.run();
  impl_->listeners.clear();
  if (!truth_path_.empty()) {
    const std::string t = truth();
    if (truth_path_ == "-") {
      std::fwrite(t.data(), 1, t.size(), stdout);
      std::fflush(stdout);
    } else {
      write_file(truth_path_, t);
    }
  }
}

void Simulator::handle_signals() {
  impl_->signals.add(SIGINT);
  impl_->signals.add(SIGTERM);
  impl_->signals.async_wait([this](boost::system::error_code ec, int) {
    if (!ec) stop();
  });
  impl_->storm_signal.add(SIGUSR1);
  impl_->arm_storm_signal();
}

void Simulator::stop() {
  impl_->stop_requested.store(true, std::memory_order_relaxed);
}

Venue* Simulator::venue(std::string_view name) const {
  for (const auto& p : impl_->venues)
    if (p->name() == name) return p.get();
  return nullptr;
}

std::string Simulator::truth() const {
  std::string out;
  for (const auto& v : impl_->venues) v->append_truth(out);
  return out;
}

std::string Simulator::report() const {
  std::string out;
  for (const auto& v : impl_->venues) {
    out += "WIREBOOK_SIM_REPORT venue=";
    out += v->name();
    auto kv = [&](const char* k, std::uint64_t n) {
      out += ' ';
      out += k;
      out += '=';
      out += std::to_string(n);
    };
    kv("events", v->stats().events.load());
    kv("delta_frames", v->faults().delta_frames.load());
    kv("frames_sent", v->stats().frames_sent.load());
    kv("connections", v->stats().connections.load());
    kv("heartbeat_closes", v->stats().heartbeat_closes.load());
    kv("slow_consumer_drops", v->stats().slow_consumer_drops.load());
    for (std::size_t k = 0; k < kFaultKinds; ++k)
      kv(to_string(static_cast<FaultKind>(k)), v->faults().get(static_cast<FaultKind>(k)));
    out += '\n';
  }
  return out;
}

}  // namespace wirebook::sim
