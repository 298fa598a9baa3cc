#include "tools/wirebook/reader_common.hpp"

#include <signal.h>
#include <time.h>

#include <cstdio>
#include <ctime>

#include "book/decimal.hpp"

namespace wirebook::cli {

const char* const kExitCodesHelp = R"(
Exit codes:
  0  success (status: every book LIVE and every writer alive)
  1  status: at least one book is not LIVE, or a venue writer is not alive
  2  no such venue or symbol
  3  no daemon: no instance at the directory, or its wirebookd is not running
  4  incompatible segment: written by another wirebook version (layout/ABI), or damaged
  5  permission denied: not allowed to read the segment (user/group), or unsafe permissions
  6  unexpected system error)";

void add_target_options(CLI::App& sub, Target& t) {
  sub.add_option("--instance", t.instance, "Daemon instance name")->capture_default_str();
  sub.add_option("--dir", t.dir, "Instance directory (default /dev/shm/wirebook/<instance>)");
}

int exit_code_for(shm::OpenError e) noexcept {
  using shm::OpenError;
  switch (e) {
    case OpenError::ok:
      return kExitOk;
    case OpenError::missing:
      return kExitNoDaemon;
    case OpenError::not_a_file:
    case OpenError::bad_permissions:
    case OpenError::bad_owner:
      return kExitPermission;
    case OpenError::truncated:
    case OpenError::bad_magic:
    case OpenError::incompatible_major:
    case OpenError::incompatible_abi:
    case OpenError::wrong_kind:
    case OpenError::corrupt:
      return kExitIncompatible;
    case OpenError::not_found:
      return kExitNoMatch;
    case OpenError::io_error:
      return kExitIo;
  }
  return kExitIo;
}

namespace {

// The advice that goes with each class of failure.
void explain(const char* cmd, const std::string& path, shm::OpenError e) {
  switch (exit_code_for(e)) {
    case kExitPermission:
      std::fprintf(stderr,
                   "%s: permission denied reading %s: %s (run as the daemon's user or a member "
                   "of its readers' group; segments must not be writable by others)\n",
                   cmd, path.c_str(), shm::to_string(e));
      return;
    case kExitIncompatible:
      std::fprintf(stderr,
                   "%s: cannot read %s: %s; it was written by an incompatible wirebook version "
                   "or is damaged (this reader: layout major %u, ABI hash %s); use the wirebook "
                   "CLI that matches the running wirebookd\n",
                   cmd, path.c_str(), shm::to_string(e), static_cast<unsigned>(shm::kLayoutMajor),
                   hex64(shm::kAbiHash).c_str());
      return;
    default:
      std::fprintf(stderr, "%s: cannot read %s: %s\n", cmd, path.c_str(), shm::to_string(e));
      return;
  }
}

}  // namespace

int open_instance(const char* cmd, const std::string& dir, shm::InstanceReader& out) {
  const shm::OpenError e = shm::InstanceReader::open(dir, out);
  if (e == shm::OpenError::ok) return kExitOk;
  if (e == shm::OpenError::missing) {
    std::fprintf(stderr,
                 "%s: no wirebook instance at %s: %s (is wirebookd running with that instance? "
                 "see --instance / --dir)\n",
                 cmd, dir.c_str(), shm::to_string(e));
  } else {
    explain(cmd, dir + "/" + shm::kControlFile, e);
  }
  return exit_code_for(e);
}

int open_venue(const char* cmd, const std::string& dir, const shm::InstanceReader& inst,
               const std::string& venue, shm::VenueReader& out) {
  const shm::OpenError e = inst.open_venue(venue, out);
  if (e == shm::OpenError::ok) return kExitOk;
  const std::string path = dir + "/" + shm::kVenueFilePrefix + venue;
  if (e == shm::OpenError::missing) {
    std::fprintf(stderr, "%s: venue '%s': no segment at %s (its writer has not started)\n", cmd,
                 venue.c_str(), path.c_str());
  } else if (e == shm::OpenError::not_found) {
    std::fprintf(stderr, "%s: venue '%s' is not listed in %s\n", cmd, venue.c_str(), dir.c_str());
  } else {
    explain(cmd, path, e);
  }
  return exit_code_for(e);
}

int open_consolidated(const char* cmd, const std::string& dir, shm::ConsolidatedReader& out) {
  const shm::OpenError e = shm::ConsolidatedReader::open(dir, out);
  if (e == shm::OpenError::ok) return kExitOk;
  const std::string path = dir + "/" + shm::kConsolidatedFile;
  if (e == shm::OpenError::missing) {
    std::fprintf(stderr,
                 "%s: no consolidated segment at %s (the instance configures no "
                 "[[consolidated]], or its daemon has not started)\n",
                 cmd, path.c_str());
  } else {
    explain(cmd, path, e);
  }
  return exit_code_for(e);
}

bool wanted(const std::vector<std::string>& filter, std::string_view name) {
  if (filter.empty()) return true;
  for (const auto& f : filter) {
    if (f == name) return true;
  }
  return false;
}

int select_venues(const char* cmd, const shm::InstanceReader& inst,
                  const std::vector<std::string>& filter, std::vector<std::string>& out) {
  out.clear();
  for (std::uint32_t v = 0; v < inst.venue_count(); ++v) {
    if (wanted(filter, inst.venue_name(v))) out.emplace_back(inst.venue_name(v));
  }
  for (const auto& f : filter) {
    bool listed = false;
    for (const auto& name : out) listed = listed || name == f;
    if (!listed) {
      std::fprintf(stderr, "%s: no venue '%s' in this instance (venues:", cmd, f.c_str());
      for (std::uint32_t v = 0; v < inst.venue_count(); ++v) {
        std::fprintf(stderr, " %s", inst.venue_name(v));
      }
      std::fprintf(stderr, ")\n");
      return kExitNoMatch;
    }
  }
  return kExitOk;
}

int visit_venues(const char* cmd, const std::string& dir, const std::vector<std::string>& filter,
                 const std::function<int(const shm::InstanceReader&, const std::string&)>& visit,
                 int& printed) {
  printed = 0;
  shm::InstanceReader inst;
  if (const int rc = open_instance(cmd, dir, inst); rc != kExitOk) return rc;
  std::vector<std::string> venues;
  if (const int rc = select_venues(cmd, inst, filter, venues); rc != kExitOk) return rc;
  int rc = kExitOk;
  for (const auto& name : venues) {
    const int n = visit(inst, name);
    if (n < 0 && rc == kExitOk) rc = -n;
    if (n > 0) printed += n;
  }
  std::fflush(stdout);
  return rc;
}

std::string decimal(std::int64_t value, int exp) {
  char buf[book::kMaxDecimalText];
  const std::size_t n = book::format_decimal(value, exp, buf, sizeof buf);
  return n == 0 ? std::string("?") : std::string(buf, n);
}

// Names are restricted to [A-Za-z0-9_.-] by the writer, symbols are not.
void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

std::vector<const char*> flag_names(std::uint8_t flags) {
  std::vector<const char*> out;
  if ((flags & shm::kFlagCrossed) != 0) out.push_back("crossed");
  if ((flags & shm::kFlagTruncated) != 0) out.push_back("truncated");
  return out;
}

namespace {

using shm::ReferenceField;

// The decimal fields of a reference slot with their JSON / text names.
struct ReferenceName {
  ReferenceField field;
  const char* text;
};
constexpr ReferenceName kReferenceDecimals[] = {
    {ReferenceField::mark_price, "mark"},
    {ReferenceField::index_price, "index"},
    {ReferenceField::funding_rate, "funding_rate"},
    {ReferenceField::open_interest, "open_interest"},
};

std::string utc_text(std::int64_t ns) {
  const time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  struct tm t {};
  if (::gmtime_r(&secs, &t) == nullptr) return std::to_string(ns);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t);
  return buf;
}

}  // namespace

std::string reference_json(const shm::Reference& r) {
  std::string out = "{";
  for (const ReferenceName& n : kReferenceDecimals) {
    if (!r.has(n.field)) continue;
    out += '"';
    out += shm::to_string(n.field);
    out += "\":\"" + decimal(r.raw(n.field), r.exponent(n.field)) + "\",";
  }
  if (r.has(ReferenceField::next_funding_time)) {
    out += "\"next_funding_time_ns\":" + std::to_string(r.raw(ReferenceField::next_funding_time)) +
           ",";
  }
  out += "\"updates\":" + std::to_string(r.update_count);
  out += ",\"exchange_ts_ns\":" + std::to_string(r.ts_exchange_ns);
  out += ",\"recv_ts_ns\":" + std::to_string(r.ts_recv_ns) + "}";
  return out;
}

std::string reference_text(const shm::Reference& r) {
  std::string out;
  for (const ReferenceName& n : kReferenceDecimals) {
    if (!r.has(n.field)) continue;
    if (!out.empty()) out += ' ';
    out += std::string(n.text) + " " + decimal(r.raw(n.field), r.exponent(n.field));
    if (n.field == ReferenceField::funding_rate && r.has(ReferenceField::next_funding_time)) {
      out += " next_funding " + utc_text(r.raw(ReferenceField::next_funding_time));
    }
  }
  return out;
}

std::string hex64(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::int64_t realtime_ns() noexcept {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

std::int64_t monotonic_ns() noexcept {
  return shm::detail::monotonic_ns();
}

namespace {
volatile sig_atomic_t g_stop = 0;
void on_stop_signal(int /*sig*/) {
  g_stop = 1;
}
}  // namespace

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: interrupt poll()/nanosleep at once
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() noexcept {
  return g_stop != 0;
}

}  // namespace wirebook::cli
