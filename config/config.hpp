#pragma once
// The daemon configuration: plain structs filled from TOML (DESIGN.md §7) by a
// strict validator. toml++ stays inside the .cpp files; this header is std only.
//
// Threading: everything here is start-up code. parse_config/load_config are
// pure functions of their input (load_config also reads the file); the
// returned Config is an immutable value that any thread may read.
// Errors: every problem found is collected; ConfigError carries all of them.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/url.hpp"

namespace wirebook::config {

// Thrown by parse_config/load_config/resolve_credential. what() is every
// problem on its own line, each prefixed with the source name.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string source, std::vector<std::string> problems);
  [[nodiscard]] const std::vector<std::string>& problems() const noexcept { return problems_; }
  [[nodiscard]] const std::string& source() const noexcept { return source_; }

 private:
  std::string source_;
  std::vector<std::string> problems_;
};

enum class VenueKind : std::uint8_t { woo, pulse, o2, oxfun, ocx };
enum class LogLevel : std::uint8_t { trace, debug, info, warn, error, critical, off };
enum class PulseInterval : std::uint8_t { raw, ms100 };

[[nodiscard]] std::string_view to_string(VenueKind kind) noexcept;
[[nodiscard]] std::string_view to_string(LogLevel level) noexcept;
[[nodiscard]] std::string_view to_string(PulseInterval interval) noexcept;

// Limits shared with the shared-memory layout (shm/include/wirebook/shm_layout.hpp:
// kNameLen = 32 and kSymbolLen = 48 bytes including the NUL). config/ may not
// include shm/, so the numbers are repeated here and a daemon test should pin them.
inline constexpr std::size_t kMaxNameLen = 31;
inline constexpr std::size_t kMaxSymbolLen = 47;
inline constexpr std::uint32_t kMaxDepth = 1000;
inline constexpr std::uint32_t kMaxLevels = 100'000;
inline constexpr std::uint32_t kMinRingCapacity = 1024;
inline constexpr std::uint32_t kMaxRingCapacity = 1U << 24U;
inline constexpr std::uint64_t kDefaultMaxFrameBytes = 16ULL << 20U;

// A reference to a secret: the name of an environment variable or a file path.
// The secret itself is never stored in a Config (see secret.hpp).
struct CredentialRef {
  enum class Source : std::uint8_t { none, env, file };
  Source source = Source::none;
  std::string name;  // variable name or path
  [[nodiscard]] bool given() const noexcept { return source != Source::none; }
};

struct TlsOptions {
  std::string ca_file;  // empty: the system CA store
  bool verify = true;
};

struct WooOptions {
  std::string path_suffix;  // application id appended to the URL path; empty: none
  bool trades = false;
  bool bbo = false;
};

struct PulseOptions {
  PulseInterval interval = PulseInterval::raw;
  bool quotes = false;
};

struct O2Options {
  std::vector<std::pair<std::string, std::int64_t>> market_ids;  // symbol -> id, symbols order
  std::string rest_url;                                          // empty: no REST
  std::optional<Url> rest;                                       // parsed rest_url
  std::uint32_t rest_check_interval_s = 60;
  // Extra public channels (key `channels`), besides order_book.
  bool trades = false;
  bool ticker = false;
  bool mark_price = false;
  bool funding = false;
};

struct VenueConfig {
  std::string name;
  VenueKind kind = VenueKind::woo;
  bool enabled = true;
  std::string url;  // as written
  Url endpoint;     // parsed url; for woo the path_suffix is already appended to path
  bool allow_insecure = false;
  std::vector<std::string> symbols;
  std::uint32_t depth = 0;
  std::uint32_t max_levels = 0;
  std::optional<std::uint32_t> cpu;
  std::optional<std::uint32_t> rt_priority;
  TlsOptions tls;
  std::uint32_t heartbeat_s = 0;
  std::uint32_t stale_ms = 0;
  std::uint32_t connect_timeout_ms = 0;
  std::uint64_t max_frame_bytes = kDefaultMaxFrameBytes;
  CredentialRef api_key;
  CredentialRef api_secret;
  WooOptions woo;      // meaningful for kind woo only
  PulseOptions pulse;  // kind pulse only
  O2Options o2;        // kind o2 only
};

struct DaemonConfig {
  std::string instance;
  std::string shm_dir = "/dev/shm/wirebook";
  std::uint32_t shm_mode = 0640;
  std::string shm_group;  // empty: the daemon's own group
  LogLevel log_level = LogLevel::info;
  std::optional<HostPort> metrics_listen;
  std::uint32_t stats_interval_s = 10;
  std::uint32_t ring_capacity = 1U << 16U;

  // <shm_dir>/<instance>
  [[nodiscard]] std::filesystem::path instance_dir() const;
};

struct Config {
  std::string source;  // file name or the name given to parse_config
  DaemonConfig daemon;
  std::vector<VenueConfig> venues;  // in file order
  // Accepted but worth a loud log line (verify = false, allow_insecure, ...).
  std::vector<std::string> warnings;
};

// Parses and validates TOML text. source_name prefixes syntax error locations.
[[nodiscard]] Config parse_config(std::string_view toml_text, std::string_view source_name);
// Reads the file (a read error is a ConfigError too) and calls parse_config.
[[nodiscard]] Config load_config(const std::filesystem::path& path);

// A short human summary for `wirebookd --check`: one line for the daemon, one
// per venue, then warnings. Never contains secrets (only their references).
[[nodiscard]] std::string summarize(const Config& config);

}  // namespace wirebook::config
