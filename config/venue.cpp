#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "config/venue_parser.hpp"

namespace wirebook::config::detail {
namespace {

struct KindRules {
  VenueKind kind;
  std::string_view name;
  std::int64_t heartbeat_lo, heartbeat_hi, heartbeat_default;
  std::string_view heartbeat_why;
  std::uint32_t max_depth;
  std::string_view depth_why;
  std::array<std::string_view, 4> specific_keys;  // empty entries unused
};

// Heartbeat ranges from venues/PROTOCOLS.md: WOO pings every 10 s (§1.4);
// Pulse/Deribit public/set_heartbeat "not less than 10" (§2.6); OX.FUN wants
// traffic at least once a minute (§4.1); OCX sends :heartbeat about every 15 s
// (§5) so heartbeat_s is the expected server period there. O2 is undocumented.
constexpr std::array<KindRules, 5> kKinds = {{
    {VenueKind::woo, "woo", 1, 60, 10, {}, kMaxDepth, {}, {"path_suffix", "trades", "bbo"}},
    {VenueKind::pulse,
     "pulse",
     10,
     600,
     10,
     "(public/set_heartbeat minimum is 10)",
     kMaxDepth,
     {},
     {"interval", "quotes", {}}},
    {VenueKind::o2,
     "o2",
     1,
     300,
     30,
     {},
     kMaxDepth,
     {},
     {"market_ids", "rest_url", "rest_check_interval_s", "channels"}},
    {VenueKind::oxfun,
     "oxfun",
     1,
     59,
     30,
     "(OX.FUN needs traffic every minute)",
     kMaxDepth,
     {},
     {}},
    {VenueKind::ocx, "ocx", 5, 300, 15, {}, 100, "(book-stream maximum)", {}},
}};

const KindRules* find_kind(std::string_view name) {
  for (const auto& k : kKinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

bool is_env_name(std::string_view s) {
  if (s.empty() || (s.front() >= '0' && s.front() <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_symbol_char(char c) {
  return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) != 0x7f;
}

void read_credential(TableReader& r, std::string_view base, CredentialRef& out) {
  const std::string env_key = std::string(base) + "_env";
  const std::string file_key = std::string(base) + "_file";
  auto env = r.string(env_key);
  auto file = r.string(file_key);
  if (env && file) {
    r.problem("give either '" + env_key + "' or '" + file_key + "', not both");
    return;
  }
  if (env) {
    if (!is_env_name(*env)) {
      r.problem(env_key + " must be an environment variable name like WOO_API_KEY, got '" + *env +
                "'");
      return;
    }
    out = {CredentialRef::Source::env, *env};
  } else if (file) {
    if (file->empty()) {
      r.problem(file_key + " must not be empty");
      return;
    }
    out = {CredentialRef::Source::file, *file};
  }
}

void read_symbols(TableReader& r, VenueConfig& v) {
  const toml::array* arr = r.array("symbols", true);
  if (arr == nullptr) return;
  if (arr->empty()) {
    r.problem("symbols must not be empty");
    return;
  }
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string at = "symbols[" + std::to_string(i) + "]";
    const auto* s = arr->get(i)->as_string();
    if (s == nullptr) {
      r.problem(at + " must be a string, got " + std::string(type_phrase(*arr->get(i))));
      continue;
    }
    const std::string& sym = s->get();
    if (sym.empty()) {
      r.problem(at + " must not be empty");
    } else if (sym.size() > kMaxSymbolLen || !std::all_of(sym.begin(), sym.end(), is_symbol_char)) {
      r.problem(at + " must be 1.." + std::to_string(kMaxSymbolLen) +
                " printable characters without spaces, got '" + sym + "'");
    } else if (!seen.insert(sym).second) {
      r.problem("duplicate symbol '" + sym + "' in symbols");
    } else {
      v.symbols.push_back(sym);
    }
  }
}

void read_url(TableReader& r, const KindRules* kind, VenueConfig& v,
              std::vector<std::string>& warnings) {
  auto allow = r.boolean("allow_insecure");
  v.allow_insecure = allow.value_or(false);
  auto url = r.string("url", true);
  if (!url) return;
  v.url = *url;
  if (auto err = parse_url(*url, v.endpoint)) {
    r.problem("url '" + *url + "' " + *err);
    return;
  }
  if (kind == nullptr) return;
  const bool sse = kind->kind == VenueKind::ocx;
  const std::string_view secure = sse ? "https" : "wss";
  const std::string_view plain = sse ? "http" : "ws";
  const std::string& scheme = v.endpoint.scheme;
  if (scheme != secure && scheme != plain) {
    r.problem("url scheme must be " + std::string(secure) + ":// (or " + std::string(plain) +
              ":// to a loopback host) for kind " + std::string(kind->name) + ", got '" + scheme +
              "://'");
    return;
  }
  if (scheme == plain && !is_loopback_host(v.endpoint.host)) {
    if (!v.allow_insecure) {
      r.problem("url '" + *url + "' is plain " + std::string(plain) + ":// to non-loopback host '" +
                v.endpoint.host + "'; use " + std::string(secure) +
                ":// or set allow_insecure = true");
    } else {
      warnings.push_back(r.context() + ": allow_insecure = true: plain " + std::string(plain) +
                         ":// to '" + v.endpoint.host + "' is unencrypted");
    }
  }
}

void read_tls(TableReader& r, VenueConfig& v, Problems& problems,
              std::vector<std::string>& warnings) {
  const toml::table* t = r.table("tls", "[venue.tls]");
  if (t == nullptr) return;
  TableReader tr(*t, r.context(), problems, "tls.");
  if (auto ca = tr.string("ca_file")) {
    if (ca->empty()) {
      tr.problem("tls.ca_file must not be empty (omit it to use the system CA store)");
    } else {
      v.tls.ca_file = *ca;
    }
  }
  if (auto verify = tr.boolean("verify")) v.tls.verify = *verify;
  tr.finish();
  if (!v.tls.verify) {
    warnings.push_back(r.context() +
                       ": tls.verify = false: the server certificate is NOT verified");
  }
  if (!v.endpoint.scheme.empty() && !v.endpoint.tls()) {
    warnings.push_back(r.context() + ": [tls] options are ignored for a plain " +
                       v.endpoint.scheme + ":// url");
  }
}

void read_sizes(TableReader& r, const KindRules* kind, VenueConfig& v) {
  const std::uint32_t max_depth = kind != nullptr ? kind->max_depth : kMaxDepth;
  const std::string_view why = kind != nullptr ? kind->depth_why : std::string_view{};
  if (auto d = r.integer_in("depth", 1, max_depth, true, why)) {
    v.depth = static_cast<std::uint32_t>(*d);
  }
  if (auto m = r.integer("max_levels")) {
    const std::int64_t lo = std::max<std::int64_t>(v.depth, 1);
    if (*m < lo || *m > kMaxLevels) {
      r.problem("max_levels must be >= depth (" + std::to_string(lo) +
                ") and <= " + std::to_string(kMaxLevels) + ", got " + std::to_string(*m));
    } else {
      v.max_levels = static_cast<std::uint32_t>(*m);
    }
  } else if (v.depth != 0) {
    v.max_levels = std::min(kMaxLevels, 4 * v.depth);
  }
  if (auto f = r.integer_in("max_frame_bytes", 4096, std::int64_t{1} << 30)) {
    v.max_frame_bytes = static_cast<std::uint64_t>(*f);
  }
}

void read_timing(TableReader& r, const KindRules* kind, VenueConfig& v) {
  if (kind != nullptr) {
    v.heartbeat_s = static_cast<std::uint32_t>(kind->heartbeat_default);
    const std::string why =
        kind->heartbeat_why.empty()
            ? "for kind " + std::string(kind->name)
            : "for kind " + std::string(kind->name) + " " + std::string(kind->heartbeat_why);
    if (auto h = r.integer_in("heartbeat_s", kind->heartbeat_lo, kind->heartbeat_hi, false, why)) {
      v.heartbeat_s = static_cast<std::uint32_t>(*h);
    }
  } else {
    (void)r.take("heartbeat_s");
  }
  v.stale_ms = static_cast<std::uint32_t>(r.integer_in("stale_ms", 100, 600'000).value_or(5000));
  v.connect_timeout_ms =
      static_cast<std::uint32_t>(r.integer_in("connect_timeout_ms", 100, 120'000).value_or(5000));
  if (auto c = r.integer_in("cpu", 0, 1023)) v.cpu = static_cast<std::uint32_t>(*c);
  if (auto p = r.integer_in("rt_priority", 1, 99)) v.rt_priority = static_cast<std::uint32_t>(*p);
}

void read_woo(TableReader& r, VenueConfig& v) {
  if (auto s = r.string("path_suffix")) {
    if (s->empty() || s->size() > 128 || !std::all_of(s->begin(), s->end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
        })) {
      r.problem("path_suffix must be 1..128 characters [A-Za-z0-9_-], got '" + *s + "'");
    } else {
      v.woo.path_suffix = *s;
      std::string& target = v.endpoint.target;
      const auto q = target.find('?');
      std::string path = target.substr(0, q);
      if (path.back() != '/') path += '/';
      target = path + *s + (q == std::string::npos ? "" : target.substr(q));
    }
  }
  v.woo.trades = r.boolean("trades").value_or(false);
  v.woo.bbo = r.boolean("bbo").value_or(false);
}

void read_pulse(TableReader& r, VenueConfig& v) {
  if (auto i = r.string("interval")) {
    if (*i == "raw") {
      v.pulse.interval = PulseInterval::raw;
    } else if (*i == "100ms") {
      v.pulse.interval = PulseInterval::ms100;
    } else {
      r.problem("interval must be one of raw, 100ms, got '" + *i + "'");
    }
  }
  v.pulse.quotes = r.boolean("quotes").value_or(false);
}

void read_o2(TableReader& r, VenueConfig& v) {
  bool ids_valid = true;
  if (const toml::table* ids = r.table("market_ids", "[venue.market_ids] or { SYMBOL = 1 }")) {
    std::set<std::int64_t> used;
    for (const auto& [k, node] : *ids) {
      const std::string sym(k.str());
      const auto* id = node.as_integer();
      if (id == nullptr || id->get() < 0) {
        ids_valid = false;
        r.problem("market_ids." + sym + " must be a non-negative integer, got " +
                  std::string(id == nullptr ? type_phrase(node) : "a negative integer"));
      } else if (std::find(v.symbols.begin(), v.symbols.end(), sym) == v.symbols.end()) {
        r.problem("market_ids names '" + sym + "', which is not in symbols");
      } else if (!used.insert(id->get()).second) {
        ids_valid = false;
        r.problem("market_ids." + sym + ": market id " + std::to_string(id->get()) +
                  " is used twice");
      } else {
        v.o2.market_ids.emplace_back(sym, id->get());
      }
    }
  }
  if (auto u = r.string("rest_url")) {
    Url url;
    if (auto err = parse_url(*u, url)) {
      r.problem("rest_url '" + *u + "' " + *err);
    } else if (url.scheme != "https" && !(url.scheme == "http" && is_loopback_host(url.host))) {
      r.problem("rest_url must be https:// (http:// only to a loopback host), got '" + *u + "'");
    } else {
      v.o2.rest_url = *u;
      v.o2.rest = url;
    }
  }
  // Extra public channels besides order_book (o2dex-api.txt "Public Channels").
  if (const toml::array* chans = r.array("channels")) {
    for (std::size_t i = 0; i < chans->size(); ++i) {
      const auto* ch = (*chans)[i].as_string();
      const std::string name = ch == nullptr ? std::string() : ch->get();
      if (name == "trades") {
        v.o2.trades = true;
      } else if (name == "ticker") {
        v.o2.ticker = true;
      } else if (name == "mark_price") {
        v.o2.mark_price = true;
      } else if (name == "funding") {
        v.o2.funding = true;
      } else {
        r.problem("channels[" + std::to_string(i) +
                  "] must be one of trades, ticker, mark_price, funding, got " +
                  (ch == nullptr ? std::string(type_phrase((*chans)[i])) : "'" + name + "'"));
      }
    }
  }
  if (auto s = r.integer_in("rest_check_interval_s", 1, 3600)) {
    v.o2.rest_check_interval_s = static_cast<std::uint32_t>(*s);
    if (!r.has("rest_url")) r.problem("rest_check_interval_s needs rest_url");
  }
  // Subscriptions take integer market ids (PROTOCOLS.md §3.1): either listed
  // here or looked up by symbol through REST GET /api/v1/markets at start-up.
  if (r.has("market_ids")) {
    for (const auto& sym : v.symbols) {
      const bool found = std::any_of(v.o2.market_ids.begin(), v.o2.market_ids.end(),
                                     [&](const auto& e) { return e.first == sym; });
      if (!found && ids_valid) r.problem("symbol '" + sym + "' has no entry in market_ids");
    }
  } else if (!r.has("rest_url")) {
    r.problem("kind o2 needs market_ids (symbol = id) or rest_url to look the ids up");
  }
}

// Keys of other kinds are named as such rather than as unknown keys.
void reject_foreign_keys(TableReader& r, const KindRules* kind) {
  for (const auto& other : kKinds) {
    for (std::string_view key : other.specific_keys) {
      if (key.empty() || !r.has(key)) continue;
      if (kind != nullptr && other.kind == kind->kind) continue;
      (void)r.take(key);
      if (kind != nullptr) {
        r.problem("key '" + std::string(key) + "' is only valid for kind " +
                  std::string(other.name) + ", not " + std::string(kind->name));
      }
    }
  }
}

std::string venue_context(const toml::table& t, std::size_t index) {
  const auto* name = t.get_as<std::string>("name");
  if (name != nullptr && is_valid_name(name->get())) return "venue '" + name->get() + "'";
  return "venue #" + std::to_string(index + 1);
}

}  // namespace

bool is_valid_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= kMaxNameLen &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
         });
}

VenueConfig parse_venue(const toml::table& table, std::size_t index, Problems& problems,
                        std::vector<std::string>& warnings) {
  VenueConfig v;
  TableReader r(table, venue_context(table, index), problems);
  if (auto name = r.string("name", true)) {
    if (is_valid_name(*name)) {
      v.name = *name;
    } else {
      r.problem("name must match [A-Za-z0-9_-]{1,31}, got '" + *name + "'");
    }
  }
  const KindRules* kind = nullptr;
  if (auto k = r.string("kind", true)) {
    kind = find_kind(*k);
    if (kind == nullptr) {
      r.problem("kind must be one of woo, pulse, o2, oxfun, ocx, got '" + *k + "'");
    } else {
      v.kind = kind->kind;
    }
  }
  v.enabled = r.boolean("enabled").value_or(true);
  read_url(r, kind, v, warnings);
  read_symbols(r, v);
  read_sizes(r, kind, v);
  read_timing(r, kind, v);
  read_tls(r, v, problems, warnings);
  read_credential(r, "api_key", v.api_key);
  read_credential(r, "api_secret", v.api_secret);
  if (v.api_secret.given() && !v.api_key.given()) {
    r.problem("api_secret_env/api_secret_file given without api_key_env/api_key_file");
  }
  reject_foreign_keys(r, kind);
  if (kind != nullptr) {
    if (kind->kind == VenueKind::woo) read_woo(r, v);
    if (kind->kind == VenueKind::pulse) read_pulse(r, v);
    if (kind->kind == VenueKind::o2) read_o2(r, v);
  }
  r.finish();
  return v;
}

}  // namespace wirebook::config::detail
