#include "config/config.hpp"

#include <sched.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/key_table.hpp"
#include "config/toml_keys.hpp"
#include "config/venue_parser.hpp"

namespace wirebook::config {
namespace {

std::string join_problems(const std::string& source, const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += '\n';
    // Syntax errors already start with "source:line:col:".
    const bool located = p.compare(0, source.size() + 1, source + ":") == 0;
    out += located ? p : source + ": " + p;
  }
  return out;
}

std::string octal(std::uint32_t mode) {
  std::string s(4, '0');
  for (int i = 3; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = static_cast<char>('0' + (mode & 7U));
    mode >>= 3U;
  }
  return s;
}

// "0640" / "640" as a string, or an integer (write 0o640 in TOML).
std::optional<std::uint32_t> read_mode(TableReader& r) {
  const KeyValue* node = r.take("shm_mode");
  if (node == nullptr) return std::nullopt;
  std::int64_t mode = -1;
  if (node->type == KeyValue::Type::string) {
    const std::string& text = node->string;
    bool ok = !text.empty() && text.size() <= 4;
    mode = 0;
    for (char c : text) {
      ok = ok && c >= '0' && c <= '7';
      mode = mode * 8 + (c - '0');
    }
    if (!ok) {
      r.problem("shm_mode must be an octal string like \"0640\", got \"" + text + "\"");
      return std::nullopt;
    }
  } else if (node->type == KeyValue::Type::integer) {
    mode = node->integer;
  } else {
    r.type_problem("shm_mode", "an octal string like \"0640\" or an integer like 0o640", *node);
    return std::nullopt;
  }
  if (mode < 0 || mode > 0777) {
    r.problem("shm_mode must be within 0000..0777 (write \"0640\" or 0o640, not 640), got " +
              std::to_string(mode));
    return std::nullopt;
  }
  const auto m = static_cast<std::uint32_t>(mode);
  if ((m & 0002U) != 0) {
    r.problem("shm_mode must not be world-writable, got " + octal(m));
    return std::nullopt;
  }
  if ((m & 0600U) != 0600U) {
    r.problem("shm_mode must give the owner read and write (0600), got " + octal(m));
    return std::nullopt;
  }
  return m;
}

std::optional<LogLevel> parse_log_level(std::string_view s) {
  for (auto l : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error,
                 LogLevel::critical, LogLevel::off}) {
    if (to_string(l) == s) return l;
  }
  return std::nullopt;
}

bool is_group_name(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
    if (!ok) return false;
  }
  return true;
}

void read_shm_dir(TableReader& r, DaemonConfig& d) {
  auto dir = r.string("shm_dir");
  if (!dir) return;
  const std::filesystem::path p(*dir);
  bool dotdot = false;
  for (const auto& part : p) dotdot = dotdot || part == "..";
  if (!p.is_absolute() || dotdot) {
    r.problem("shm_dir must be an absolute path without '..', got '" + *dir + "'");
    return;
  }
  d.shm_dir = *dir;
}

void read_metrics(TableReader& r, DaemonConfig& d, std::vector<std::string>& warnings) {
  auto text = r.string("metrics_listen");
  if (!text) return;
  HostPort hp;
  if (auto err = parse_listen_address(*text, hp)) {
    r.problem("metrics_listen '" + *text + "' " + *err);
    return;
  }
  if (!is_loopback_host(hp.host)) {
    warnings.push_back("daemon: metrics_listen '" + *text +
                       "' is not a loopback address; the metrics endpoint has no authentication");
  }
  d.metrics_listen = hp;
}

void parse_daemon(const KeyTable& t, Problems& problems, Config& cfg) {
  TableReader r(t, "daemon", problems);
  DaemonConfig& d = cfg.daemon;
  if (auto v = r.string("instance", true)) {
    if (detail::is_valid_name(*v)) {
      d.instance = *v;
    } else {
      r.problem("instance must match [A-Za-z0-9_-]{1,31}, got '" + *v + "'");
    }
  }
  read_shm_dir(r, d);
  if (auto m = read_mode(r)) d.shm_mode = *m;
  if (auto g = r.string("shm_group")) {
    if (is_group_name(*g)) {
      d.shm_group = *g;
    } else {
      r.problem("shm_group must be a group name like 'wirebook', got '" + *g + "'");
    }
  }
  if (auto lvl = r.string("log_level")) {
    if (auto l = parse_log_level(*lvl)) {
      d.log_level = *l;
    } else {
      r.problem("log_level must be one of trace, debug, info, warn, error, critical, off, got '" +
                *lvl + "'");
    }
  }
  read_metrics(r, d, cfg.warnings);
  if (auto v = r.integer_in("stats_interval_s", 1, 3600)) {
    d.stats_interval_s = static_cast<std::uint32_t>(*v);
  }
  if (auto v = r.integer("ring_capacity")) {
    const bool pow2 = *v > 0 && (*v & (*v - 1)) == 0;
    if (!pow2 || *v < kMinRingCapacity || *v > kMaxRingCapacity) {
      r.problem("ring_capacity must be a power of two in " + std::to_string(kMinRingCapacity) +
                ".." + std::to_string(kMaxRingCapacity) + ", got " + std::to_string(*v));
    } else {
      d.ring_capacity = static_cast<std::uint32_t>(*v);
    }
  }
  r.finish();
}

void parse_record(const KeyTable& t, Problems& problems, RecordConfig& rc) {
  TableReader r(t, "record", problems);
  rc.enabled = r.boolean("enabled").value_or(true);
  if (auto dir = r.string("directory", true)) {
    const std::filesystem::path p(*dir);
    if (!p.is_absolute() || dir->find("..") != std::string::npos) {
      r.problem("directory must be an absolute path without '..', got '" + *dir + "'");
    } else {
      rc.directory = *dir;
    }
  }
  if (auto v = r.integer_in("rotate_mb", 1, 1 << 20)) rc.rotate_bytes = std::uint64_t(*v) << 20U;
  if (auto v = r.integer_in("rotate_s", 1, 7 * 86400)) rc.rotate_s = std::uint32_t(*v);
  if (auto v = r.integer_in("retention_hours", 0, 24 * 3660)) {
    rc.retention_hours = std::uint32_t(*v);
  }
  if (auto v = r.integer_in("queue_records", 1024, 1 << 24)) rc.queue_records = std::uint32_t(*v);
  if (auto v = r.integer_in("buffer_mb", 1, 4096)) rc.buffer_bytes = std::uint64_t(*v) << 20U;
  r.finish();
}

// Spinning venues against the cpus this process may run on (its affinity
// mask, e.g. systemd's CPUAffinity=): each spinning thread needs a core of its
// own, and the daemon's cold threads (log, metrics, recorder) one more.
void check_spinning_cpus(Config& cfg) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return;
  const auto usable = static_cast<std::size_t>(CPU_COUNT(&allowed));
  std::size_t spinning = 0;
  for (const auto& v : cfg.venues) {
    if (!v.enabled || v.idle == IdleMode::block) continue;
    ++spinning;
    if (v.cpu && (*v.cpu >= CPU_SETSIZE || !CPU_ISSET(*v.cpu, &allowed))) {
      cfg.warnings.push_back("venue '" + v.name + "' spins on cpu " + std::to_string(*v.cpu) +
                             ", which this process may not use (it would run unpinned)");
    }
  }
  if (spinning > 0 && spinning >= usable) {
    cfg.warnings.push_back(std::to_string(spinning) + " venue" + (spinning == 1 ? "" : "s") +
                           " spin but this process may use " + std::to_string(usable) + " cpu" +
                           (usable == 1 ? "" : "s") +
                           ": none is left for the daemon's other threads and the system");
  }
}

void check_across_venues(Config& cfg, Problems& problems) {
  check_spinning_cpus(cfg);
  for (std::size_t i = 0; i < cfg.venues.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const auto& a = cfg.venues[j];
      const auto& b = cfg.venues[i];
      if (!a.name.empty() && a.name == b.name) {
        problems.push_back("venue #" + std::to_string(i + 1) + ": duplicate venue name '" + b.name +
                           "' (first used by venue #" + std::to_string(j + 1) + ")");
      }
      if (a.cpu && b.cpu && *a.cpu == *b.cpu && a.enabled && b.enabled) {
        const bool spinning = a.idle != IdleMode::block || b.idle != IdleMode::block;
        cfg.warnings.push_back("venues '" + a.name + "' and '" + b.name + "' are pinned to cpu " +
                               std::to_string(*a.cpu) +
                               (spinning ? " and one of them spins: they take turns on that "
                                           "core and both lose the latency spinning buys"
                                         : ""));
      }
    }
  }
}

bool is_array_of_tables(const KeyValue& v) {
  return v.type == KeyValue::Type::array && !v.items.empty() &&
         std::all_of(v.items.begin(), v.items.end(),
                     [](const KeyValue& item) { return item.type == KeyValue::Type::table; });
}

void parse_root(const KeyTable& root, std::span<const VenueRules> kinds, Problems& problems,
                Config& cfg) {
  TableReader r(root, "config", problems);
  if (const KeyValue* d = r.take_required("daemon")) {
    if (d->type == KeyValue::Type::table) {
      parse_daemon(d->fields, problems, cfg);
    } else {
      r.type_problem("daemon", "a table ([daemon])", *d);
    }
  }
  if (const KeyValue* rec = r.take("record")) {
    if (rec->type == KeyValue::Type::table) {
      parse_record(rec->fields, problems, cfg.record);
    } else {
      r.type_problem("record", "a table ([record])", *rec);
    }
  }
  if (const KeyValue* v = r.take("venue")) {
    if (!is_array_of_tables(*v)) {
      r.type_problem("venue", "an array of tables (write [[venue]])", *v);
    } else {
      for (std::size_t i = 0; i < v->items.size(); ++i) {
        cfg.venues.push_back(
            detail::parse_venue(v->items[i].fields, i, kinds, problems, cfg.warnings));
      }
    }
  }
  if (cfg.venues.empty() && r.has("venue")) {
    // already reported as a type problem
  } else if (cfg.venues.empty()) {
    r.problem("at least one [[venue]] is required");
  }
  check_across_venues(cfg, problems);
  if (const KeyValue* c = r.take("consolidated")) {
    if (is_array_of_tables(*c)) {
      detail::parse_consolidated(*c, cfg, problems);
    } else {
      r.type_problem("consolidated", "an array of tables (write [[consolidated]])", *c);
    }
  }
  r.finish();
}

}  // namespace

ConfigError::ConfigError(std::string source, std::vector<std::string> problems)
    : std::runtime_error(join_problems(source, problems)),
      source_(std::move(source)),
      problems_(std::move(problems)) {}

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::trace:
      return "trace";
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
    case LogLevel::critical:
      return "critical";
    case LogLevel::off:
      return "off";
  }
  return "?";
}

std::string_view to_string(IdleMode mode) noexcept {
  switch (mode) {
    case IdleMode::block:
      return "block";
    case IdleMode::spin:
      return "spin";
    case IdleMode::backoff:
      return "backoff";
  }
  return "?";
}

std::filesystem::path DaemonConfig::instance_dir() const {
  return std::filesystem::path(shm_dir) / instance;
}

Config parse_config(std::string_view toml_text, std::string_view source_name,
                    std::span<const VenueRules> kinds) {
  Config cfg;
  cfg.source = std::string(source_name);
  cfg.text = std::string(toml_text);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError(cfg.source, {cfg.source + ":" + std::to_string(where.line) + ":" +
                                   std::to_string(where.column) +
                                   ": TOML syntax error: " + std::string(e.description())});
  }
  Problems problems;
  parse_root(detail::to_key_table(root), kinds, problems, cfg);
  if (!problems.empty()) throw ConfigError(cfg.source, std::move(problems));
  return cfg;
}

Config load_config(const std::filesystem::path& path, std::span<const VenueRules> kinds) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(path.string(), {"cannot open the config file"});
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(path.string(), {"cannot read the config file"});
  return parse_config(text.str(), path.string(), kinds);
}

}  // namespace wirebook::config
