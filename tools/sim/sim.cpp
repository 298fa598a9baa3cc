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
#include <stdexcept>

#include "tools/sim/capture.hpp"
#include "tools/sim/o2/o2_venue.hpp"
#include "tools/sim/pulse/pulse_venue.hpp"
#include "tools/sim/server.hpp"
#include "tools/sim/tls.hpp"
#include "tools/sim/woo/woo_venue.hpp"

namespace wirebook::sim {

namespace asio = boost::asio;

// Venue modules: one line each (DESIGN.md §2: adding a venue touches this table).
namespace {
struct VenueModule {
  VenueKind kind;
  std::unique_ptr<Venue> (*make)(VenueOptions);
};
constexpr VenueModule kVenueModules[] = {
    {VenueKind::woo, &make_woo_venue},
    {VenueKind::pulse, &make_pulse_venue},
    {VenueKind::o2, nullptr},  // built below: it takes its own options too
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}
}  // namespace

struct Simulator::Impl {
  asio::io_context io{1};
  asio::steady_timer tick{io};
  asio::signal_set signals{io};
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
  Capture capture;
  const bool capture_mode = !cfg.capture_path.empty();
  if (capture_mode) capture = load_capture(cfg.capture_path);
  bool need_tls = false;
  for (VenueKind k : cfg.venues) need_tls = need_tls || cfg.wss_port[static_cast<int>(k)] >= 0;
  TlsMaterial tls;
  if (need_tls) {
    tls = generate_tls_material();
    ca_path_ = cfg.ca_path;
    if (ca_path_.empty()) {
      char tmpl[] = "/tmp/wirebook-sim-XXXXXX";
      if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
      ca_path_ = std::string(tmpl) + "/ca.pem";
      temp_dir_ = tmpl;  // ours: removed with the simulator
    }
    write_file(ca_path_, tls.ca_cert_pem);
  }
  for (VenueKind k : cfg.venues) {
    VenueOptions opts = cfg.venue;
    opts.kind = k;
    opts.faults = k == VenueKind::woo     ? cfg.faults.woo
                  : k == VenueKind::pulse ? cfg.faults.pulse
                                          : cfg.faults.o2;
    opts.fault_params = cfg.faults.params;
    if (capture_mode) {
      if (k == VenueKind::o2) continue;  // captures hold woo and pulse frames only
      opts.capture = k == VenueKind::woo ? capture.woo : capture.pulse;
      if (opts.capture.empty()) continue;  // nothing to serve for this venue
    }
    std::unique_ptr<Venue> v;
    for (const VenueModule& m : kVenueModules)
      if (m.kind == k && m.make != nullptr) v = m.make(std::move(opts));
    if (k == VenueKind::o2) v = make_o2_venue(std::move(opts), cfg.o2);
    auto* http = dynamic_cast<HttpResponder*>(v.get());
    const int idx = static_cast<int>(k);
    for (bool use_tls : {false, true}) {
      const int port = use_tls ? cfg.wss_port[idx] : cfg.ws_port[idx];
      if (port < 0) continue;
      auto l = std::make_unique<Listener>(impl_->io, *v, cfg.bind_address,
                                          static_cast<std::uint16_t>(port),
                                          use_tls ? &tls : nullptr, http);
      Endpoint ep{k, use_tls, {}, l->port()};
      ep.url = std::string(use_tls ? "wss://" : "ws://") + cfg.bind_address + ":" +
               std::to_string(ep.port) + v->path();
      endpoints_.push_back(ep);
      impl_->listeners.push_back(std::move(l));
    }
    impl_->venues.push_back(std::move(v));
  }
  if (impl_->venues.empty()) throw std::runtime_error("no venue to serve");
  truth_path_ = cfg.truth_path;
}

Simulator::~Simulator() {
  if (!temp_dir_.empty()) {
    std::remove(ca_path_.c_str());
    ::rmdir(temp_dir_.c_str());
  }
}

std::string Simulator::url(VenueKind v, bool tls) const {
  for (const Endpoint& e : endpoints_)
    if (e.venue == v && e.tls == tls) return e.url;
  return {};
}

std::string Simulator::rest_base(VenueKind v, bool tls) const {
  if (v != VenueKind::o2) return {};
  for (const Endpoint& e : endpoints_)
    if (e.venue == v && e.tls == tls)
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
}

void Simulator::stop() {
  impl_->stop_requested.store(true, std::memory_order_relaxed);
}

Venue* Simulator::venue(VenueKind v) const {
  for (const auto& p : impl_->venues)
    if (p->kind() == v) return p.get();
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
