#include "tools/sim/faults.hpp"

#include <charconv>
#include <stdexcept>

#include "tools/sim/module.hpp"

namespace wirebook::sim {

namespace {
constexpr std::array<const char*, kFaultKinds> kNames{
    "drop",          "dup",   "reorder",   "corrupt",         "truncate", "oversize", "wrong_type",
    "corrupt_level", "stall", "tcp_close", "mid_frame_close", "refuse",   "http429",  "slow"};
}  // namespace

const char* to_string(FaultKind k) noexcept {
  const auto i = static_cast<std::size_t>(k);
  return i < kNames.size() ? kNames[i] : "none";
}

bool fault_from_string(std::string_view s, FaultKind& out) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (s == kNames[i]) {
      out = static_cast<FaultKind>(i);
      return true;
    }
  }
  return false;
}

const FaultRates& VenueFaults::for_symbol(std::string_view symbol) const {
  const auto it = per_symbol.find(symbol);
  return it == per_symbol.end() ? defaults : it->second;
}

bool VenueFaults::any() const {
  auto nonzero = [](const FaultRates& r) {
    for (double v : r.rate)
      if (v > 0) return true;
    return false;
  };
  if (nonzero(defaults)) return true;
  for (const auto& [k, v] : per_symbol)
    if (nonzero(v)) return true;
  return false;
}

const VenueFaults& FaultConfig::of(std::string_view venue) const {
  static const VenueFaults kNone;
  const auto it = venues.find(venue);
  return it == venues.end() ? kNone : it->second;
}

namespace {

double parse_number(std::string_view spec, std::string_view text) {
  double v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || v < 0)
    throw std::invalid_argument("bad number in fault spec '" + std::string(spec) + "'");
  return v;
}

void set_rate(VenueFaults& vf, std::string_view symbol, FaultKind kind, double value) {
  if (symbol.empty()) {
    vf.defaults.rate[static_cast<std::size_t>(kind)] = value;
    for (auto& [name, r] : vf.per_symbol) r.rate[static_cast<std::size_t>(kind)] = value;
  } else {
    auto it = vf.per_symbol.find(symbol);
    if (it == vf.per_symbol.end())
      it = vf.per_symbol.emplace(std::string(symbol), vf.defaults).first;
    it->second.rate[static_cast<std::size_t>(kind)] = value;
  }
}

}  // namespace

void apply_fault_spec(FaultConfig& cfg, std::string_view spec) {
  const std::size_t eq = spec.rfind('=');
  if (eq == std::string_view::npos)
    throw std::invalid_argument("fault spec needs kind=value: '" + std::string(spec) + "'");
  std::string_view head = spec.substr(0, eq);
  const std::string_view value = spec.substr(eq + 1);
  std::string_view kind_name = head;
  std::string_view venue;
  std::string_view symbol;
  if (const std::size_t c = head.rfind(':'); c != std::string_view::npos) {
    kind_name = head.substr(c + 1);
    std::string_view scope = head.substr(0, c);
    const std::size_t c2 = scope.find(':');
    const std::string_view first = scope.substr(0, c2);
    if (find_module(first) != nullptr) {
      venue = first;
      symbol = c2 == std::string_view::npos ? std::string_view{} : scope.substr(c2 + 1);
    } else {
      symbol = scope;
    }
  }
  const double v = parse_number(spec, value);
  if (kind_name == "stall_ms") {
    cfg.params.stall_ms = static_cast<int>(v);
    return;
  }
  if (kind_name == "slow_ms") {
    cfg.params.slow_ms = static_cast<int>(v);
    return;
  }
  if (kind_name == "oversize_bytes") {
    cfg.params.oversize_bytes = static_cast<std::size_t>(v);
    return;
  }
  FaultKind kind{};
  if (!fault_from_string(kind_name, kind))
    throw std::invalid_argument("unknown fault kind '" + std::string(kind_name) + "' in '" +
                                std::string(spec) + "'");
  if (kind != FaultKind::refuse && v > 1.0)
    throw std::invalid_argument("fault rate must be in [0,1]: '" + std::string(spec) + "'");
  if (!venue.empty()) {
    set_rate(cfg.venues[std::string(venue)], symbol, kind, v);
    return;
  }
  for (const VenueModule* m : venue_modules())
    set_rate(cfg.venues[std::string(m->name)], symbol, kind, v);
}

DeltaVerdict FaultDice::roll() {
  DeltaVerdict v;
  // One draw for the exclusive delta kinds so each hits at exactly its rate.
  double u = rng_.unit();
  for (std::size_t i = 0; i < kDeltaFaultKinds; ++i) {
    const double r = rates_.rate[i];
    if (u < r) {
      v.data = static_cast<FaultKind>(i);
      break;
    }
    u -= r;
  }
  v.stall = rng_.chance(rates_.rate[static_cast<std::size_t>(FaultKind::stall)]);
  v.tcp_close = rng_.chance(rates_.rate[static_cast<std::size_t>(FaultKind::tcp_close)]);
  v.mid_frame_close =
      rng_.chance(rates_.rate[static_cast<std::size_t>(FaultKind::mid_frame_close)]);
  return v;
}

std::string corrupt_json(std::string_view frame, Rng& rng) {
  // A '}' right after a ':' is never valid JSON, whatever the position.
  std::vector<std::size_t> colons;
  for (std::size_t i = 0; i < frame.size(); ++i)
    if (frame[i] == ':') colons.push_back(i);
  std::string out(frame);
  if (colons.empty()) {
    out.insert(0, "}");
    return out;
  }
  out.insert(colons[rng.below(colons.size())] + 1, "}");
  return out;
}

std::string truncate_json(std::string_view frame, Rng& rng) {
  if (frame.size() < 3) return std::string(frame.substr(0, 1));
  // A proper prefix of an object is never a complete JSON value.
  return std::string(frame.substr(0, 1 + rng.below(frame.size() - 2)));
}

std::string oversize_json(std::string_view frame, std::size_t bytes) {
  std::string out(frame);
  const std::size_t close = out.rfind('}');
  if (close == std::string::npos) return out;
  std::string pad = ",\"pad\":\"";
  pad.append(bytes > out.size() ? bytes - out.size() : 1, 'x');
  pad += '"';
  out.insert(close, pad);
  return out;
}

std::string wrong_type_json(std::string_view frame, std::string_view key) {
  std::string needle = "\"";
  needle.append(key);
  needle += "\":";
  std::string out(frame);
  const std::size_t at = out.find(needle);
  if (at == std::string::npos) return out;
  const std::size_t begin = at + needle.size();
  std::size_t end = begin;
  while (end < out.size() && out[end] != ',' && out[end] != '}') ++end;
  out.replace(begin, end - begin, "\"NaN\"");
  return out;
}

}  // namespace wirebook::sim
