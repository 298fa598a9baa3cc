#include <sstream>

#include "config/config.hpp"

namespace wirebook::config {
namespace {

std::string describe(const CredentialRef& ref) {
  switch (ref.source) {
    case CredentialRef::Source::env:
      return "env " + ref.name;
    case CredentialRef::Source::file:
      return "file " + ref.name;
    case CredentialRef::Source::none:
      break;
  }
  return "none";
}

std::string url_of(const VenueConfig& v) {
  std::string host = v.endpoint.host.find(':') != std::string::npos ? "[" + v.endpoint.host + "]"
                                                                    : v.endpoint.host;
  return v.endpoint.scheme + "://" + host + ":" + std::to_string(v.endpoint.port) +
         v.endpoint.target;
}

void venue_line(std::ostringstream& os, const VenueConfig& v) {
  os << "venue '" << v.name << "' (" << v.kind << (v.enabled ? "" : ", disabled")
     << "): " << url_of(v) << "\n  " << v.symbols.size() << " symbol"
     << (v.symbols.size() == 1 ? "" : "s") << ":";
  for (std::size_t i = 0; i < v.symbols.size() && i < 8; ++i) os << ' ' << v.symbols[i];
  if (v.symbols.size() > 8) os << " ...";
  os << "\n  depth " << v.depth << ", max_levels " << v.max_levels << ", heartbeat "
     << v.heartbeat_s << " s, stale " << v.stale_ms << " ms, connect timeout "
     << v.connect_timeout_ms << " ms, max frame " << v.max_frame_bytes << " B";
  os << "\n  cpu " << (v.cpu ? std::to_string(*v.cpu) : "any") << ", rt priority "
     << (v.rt_priority ? std::to_string(*v.rt_priority) : "none") << ", idle " << to_string(v.idle)
     << (v.idle == IdleMode::backoff ? " " + std::to_string(v.spin_us) + " us" : std::string());
  if (v.endpoint.tls()) {
    os << ", tls " << (v.tls.ca_file.empty() ? "system CAs" : "ca_file " + v.tls.ca_file)
       << (v.tls.verify ? "" : " (VERIFY OFF)");
  }
  os << ", api key " << describe(v.api_key) << ", api secret " << describe(v.api_secret) << '\n';
}

}  // namespace

std::string summarize(const Config& config) {
  const DaemonConfig& d = config.daemon;
  std::ostringstream os;
  os << "config " << config.source << ": instance '" << d.instance << "', shm "
     << d.instance_dir().string() << " mode 0" << std::oct << d.shm_mode << std::dec
     << (d.shm_group.empty() ? "" : " group " + d.shm_group) << ", ring " << d.ring_capacity
     << ", log " << to_string(d.log_level) << ", stats every " << d.stats_interval_s
     << " s, metrics "
     << (d.metrics_listen ? d.metrics_listen->host + ":" + std::to_string(d.metrics_listen->port)
                          : std::string("off"))
     << '\n';
  for (const auto& v : config.venues) venue_line(os, v);
  for (const auto& c : config.consolidated) {
    os << "consolidated '" << c.name << "':";
    for (const auto& m : c.members) os << ' ' << m.venue << ':' << m.symbol;
    os << '\n';
  }
  for (const auto& w : config.warnings) os << "warning: " << w << '\n';
  return os.str();
}

}  // namespace wirebook::config
