// The venue-keyed parts of SimConfig as the CLI writes them.
#include <charconv>
#include <stdexcept>

#include "tools/sim/sim.hpp"

namespace wirebook::sim {

void apply_port_spec(SimConfig& cfg, std::string_view spec, bool tls) {
  const std::string what = tls ? "wss port" : "ws port";
  const std::size_t eq = spec.find('=');
  if (eq == std::string_view::npos)
    throw std::invalid_argument(what + " needs <venue>=<port>: '" + std::string(spec) + "'");
  const VenueModule& m = module_named(spec.substr(0, eq));
  const std::string_view text = spec.substr(eq + 1);
  int port = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), port);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || text.empty() || port < -1 ||
      port > 65535)
    throw std::invalid_argument(what + " of " + std::string(m.name) +
                                " must be -1 (off), 0 (pick a free one) or 1..65535, got '" +
                                std::string(text) + "'");
  VenuePorts& p = cfg.ports[std::string(m.name)];
  (tls ? p.tls : p.plain) = port;
}

void apply_option_spec(SimConfig& cfg, std::string_view spec) {
  const std::size_t dot = spec.find('.');
  const std::size_t eq = spec.find('=');
  if (dot == std::string_view::npos || eq == std::string_view::npos || dot > eq || dot + 1 == eq)
    throw std::invalid_argument("option needs <venue>.<key>=<value>: '" + std::string(spec) + "'");
  const VenueModule& m = module_named(spec.substr(0, dot));
  cfg.options[std::string(m.name)][std::string(spec.substr(dot + 1, eq - dot - 1))] =
      std::string(spec.substr(eq + 1));
}

}  // namespace wirebook::sim
