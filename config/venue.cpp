#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <string>

#include "config/venue_parser.hpp"

namespace wirebook::config::detail {
namespace {

// The rules of `kind` among those given, or nullptr.
const VenueRules* find_kind(std::span<const VenueRules> kinds, std::string_view kind) {
  for (const auto& k : kinds) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

std::string kind_list(std::span<const VenueRules> kinds) {
  std::string out;
  for (const auto& k : kinds) out += (out.empty() ? "" : ", ") + std::string(k.kind);
  return out;
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
      // Not echoed: a value that is no variable name is often the key itself, pasted.
      r.problem(env_key + " must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*); the " +
                std::to_string(env->size()) + "-character value given is not one (not shown)");
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
  const std::vector<KeyValue>* arr = r.array("symbols", true);
  if (arr == nullptr) return;
  if (arr->empty()) {
    r.problem("symbols must not be empty");
    return;
  }
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string at = "symbols[" + std::to_string(i) + "]";
    const KeyValue& item = (*arr)[i];
    if (item.type != KeyValue::Type::string) {
      r.problem(at + " must be a string, got " + std::string(type_phrase(item)));
      continue;
    }
    const std::string& sym = item.string;
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

void read_url(TableReader& r, const VenueRules* kind, VenueConfig& v,
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
  const std::string_view secure = kind->secure_scheme;
  const std::string_view plain = kind->plain_scheme;
  const std::string& scheme = v.endpoint.scheme;
  if (scheme != secure && scheme != plain) {
    r.problem("url scheme must be " + std::string(secure) + ":// (or " + std::string(plain) +
              ":// to a loopback host) for kind " + std::string(kind->kind) + ", got '" + scheme +
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
  const KeyTable* t = r.table("tls", "[venue.tls]");
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

void read_sizes(TableReader& r, const VenueRules* kind, VenueConfig& v) {
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
  if (auto p = r.integer_in("max_positions", 0, kMaxPositions)) {
    v.max_positions = static_cast<std::uint32_t>(*p);
  }
}

// idle and spin_us. A spinning thread must own its core: without `cpu` the
// scheduler would move it around and it would starve whatever shares its core.
void read_idle(TableReader& r, VenueConfig& v) {
  if (auto mode = r.string("idle")) {
    if (*mode == "block") {
      v.idle = IdleMode::block;
    } else if (*mode == "spin") {
      v.idle = IdleMode::spin;
    } else if (*mode == "backoff") {
      v.idle = IdleMode::backoff;
    } else {
      r.problem("idle must be one of block, spin, backoff, got '" + *mode + "'");
    }
  }
  if (auto us = r.integer_in("spin_us", 1, 1'000'000)) v.spin_us = static_cast<std::uint32_t>(*us);
  if (auto us = r.integer_in("warm_us", 0, 1'000'000)) v.warm_us = static_cast<std::uint32_t>(*us);
  if (v.idle != IdleMode::block && !v.cpu) {
    r.problem("idle = \"" + std::string(to_string(v.idle)) +
              "\" needs cpu: a spinning venue thread takes a whole core and must be pinned to it");
  }
}

void read_timing(TableReader& r, const VenueRules* kind, VenueConfig& v) {
  if (kind != nullptr) {
    v.heartbeat_s = static_cast<std::uint32_t>(kind->heartbeat_default);
    const std::string why =
        kind->heartbeat_why.empty()
            ? "for kind " + std::string(kind->kind)
            : "for kind " + std::string(kind->kind) + " " + std::string(kind->heartbeat_why);
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
  read_idle(r, v);
}

// connect_limit / rest_limit: a count per window overriding the venue
// module's documented limit; each needs its window.
void read_rate_limit(TableReader& r, const std::string& key, std::uint32_t& count,
                     std::uint32_t& window_ms) {
  const auto n = r.integer_in(key, 1, 1'000'000);
  const auto w = r.integer_in(key + "_window_ms", 1, 3'600'000);
  if (n.has_value() != w.has_value()) {
    r.problem(key + " and " + key + "_window_ms go together");
    return;
  }
  if (!n) return;
  count = static_cast<std::uint32_t>(*n);
  window_ms = static_cast<std::uint32_t>(*w);
}

// Keys of other kinds are named as such rather than as unknown keys, once
// each with every kind that has it ("only valid for kinds o2, pulse").
void reject_foreign_keys(TableReader& r, std::span<const VenueRules> kinds,
                         const VenueRules* kind) {
  const auto own = [&](std::string_view key) {
    return kind != nullptr &&
           std::find(kind->keys.begin(), kind->keys.end(), key) != kind->keys.end();
  };
  std::vector<std::string_view> reported;
  for (const auto& other : kinds) {
    for (std::string_view key : other.keys) {
      // A key name two kinds share (rest_url) is this kind's own.
      if (!r.has(key) || own(key) ||
          std::find(reported.begin(), reported.end(), key) != reported.end()) {
        continue;
      }
      reported.push_back(key);
      (void)r.take(key);
      if (kind == nullptr) continue;
      std::string owners;
      std::size_t n = 0;
      for (const auto& k : kinds) {
        if (std::find(k.keys.begin(), k.keys.end(), key) == k.keys.end()) continue;
        owners += (n++ == 0 ? "" : ", ") + std::string(k.kind);
      }
      r.problem("key '" + std::string(key) + "' is only valid for kind" + (n > 1 ? "s " : " ") +
                owners + ", not " + std::string(kind->kind));
    }
  }
}

// The module's own keys as written, for its feed factory.
KeyTable own_keys(const KeyTable& table, const VenueRules& kind) {
  KeyTable out;
  for (const auto& [k, value] : table) {
    if (std::find(kind.keys.begin(), kind.keys.end(), k) != kind.keys.end()) {
      out.push_back(KeyField{k, value});
    }
  }
  return out;
}

std::string venue_context(const KeyTable& t, std::size_t index) {
  for (const auto& [k, value] : t) {
    if (k == "name" && value.type == KeyValue::Type::string && is_valid_name(value.string)) {
      return "venue '" + value.string + "'";
    }
  }
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

VenueConfig parse_venue(const KeyTable& table, std::size_t index, std::span<const VenueRules> kinds,
                        Problems& problems, std::vector<std::string>& warnings) {
  VenueConfig v;
  TableReader r(table, venue_context(table, index), problems);
  if (auto name = r.string("name", true)) {
    if (is_valid_name(*name)) {
      v.name = *name;
    } else {
      r.problem("name must match [A-Za-z0-9_-]{1,31}, got '" + *name + "'");
    }
  }
  const VenueRules* kind = nullptr;
  if (auto k = r.string("kind", true)) {
    kind = find_kind(kinds, *k);
    if (kind == nullptr) {
      r.problem("kind must be one of " + kind_list(kinds) + ", got '" + *k + "'");
    } else {
      v.kind = *k;
    }
  }
  v.enabled = r.boolean("enabled").value_or(true);
  read_url(r, kind, v, warnings);
  read_symbols(r, v);
  read_sizes(r, kind, v);
  read_timing(r, kind, v);
  read_rate_limit(r, "connect_limit", v.connect_limit, v.connect_limit_window_ms);
  read_rate_limit(r, "rest_limit", v.rest_limit, v.rest_limit_window_ms);
  read_tls(r, v, problems, warnings);
  read_credential(r, "api_key", v.api_key);
  read_credential(r, "api_secret", v.api_secret);
  if (v.api_secret.given() && !v.api_key.given()) {
    r.problem("api_secret_env/api_secret_file given without api_key_env/api_key_file");
  }
  reject_foreign_keys(r, kinds, kind);
  if (kind != nullptr) {
    if (kind->read_keys != nullptr) kind->read_keys(r, v);
    v.options = own_keys(table, *kind);
  }
  r.finish();
  return v;
}

}  // namespace wirebook::config::detail
