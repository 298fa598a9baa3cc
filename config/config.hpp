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
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/key_table.hpp"
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

enum class LogLevel : std::uint8_t { trace, debug, info, warn, error, critical, off };

// What a venue thread does while no frame arrives (README "Idle strategies"):
// block in epoll (no CPU used), spin polling its sockets and timers (a whole
// core, the lowest latency for the frame that ends a quiet spell), or spin for
// spin_us after the last event and then block.
enum class IdleMode : std::uint8_t { block, spin, backoff };
[[nodiscard]] std::string_view to_string(IdleMode mode) noexcept;

[[nodiscard]] std::string_view to_string(LogLevel level) noexcept;

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
// Position slots per venue segment (shm kMaxPositions, kDefaultPositionCapacity).
inline constexpr std::uint32_t kMaxPositions = 4096;
inline constexpr std::uint32_t kDefaultMaxPositions = 64;
inline constexpr std::uint32_t kDefaultSpinUs = 100;
inline constexpr std::uint32_t kDefaultWarmUs = 200;

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

struct VenueConfig {
  std::string name;
  std::string kind;  // a venue module's kind (feeds/registry.cpp): woo, pulse, ...
  bool enabled = true;
  std::string url;  // as written
  Url endpoint;     // parsed url, as the venue module adjusted it (e.g. an application id path)
  bool allow_insecure = false;
  std::vector<std::string> symbols;
  std::uint32_t depth = 0;
  std::uint32_t max_levels = 0;
  std::optional<std::uint32_t> cpu;
  std::optional<std::uint32_t> rt_priority;
  IdleMode idle = IdleMode::block;
  std::uint32_t spin_us = kDefaultSpinUs;  // idle = "backoff": spin this long after an event
  // idle = spin | backoff: warm the hot path after this long without an event (0: never).
  std::uint32_t warm_us = kDefaultWarmUs;
  TlsOptions tls;
  std::uint32_t heartbeat_s = 0;
  std::uint32_t stale_ms = 0;
  std::uint32_t connect_timeout_ms = 0;
  // Rate limits overriding the venue module's documented ones (0: the
  // module's): at most connect_limit connection attempts per
  // connect_limit_window_ms, rest_limit REST calls per rest_limit_window_ms.
  std::uint32_t connect_limit = 0;
  std::uint32_t connect_limit_window_ms = 0;
  std::uint32_t rest_limit = 0;
  std::uint32_t rest_limit_window_ms = 0;
  std::uint64_t max_frame_bytes = kDefaultMaxFrameBytes;
  // Position slots in the venue's segment (instruments with an account
  // position; 0: no positions section).
  std::uint32_t max_positions = kDefaultMaxPositions;
  CredentialRef api_key;
  CredentialRef api_secret;
  // The venue module's own keys, as written (validated by VenueRules::read_keys;
  // the module reads them again into its options when it builds the feed).
  KeyTable options;
};

// What config/ knows of a venue kind, declared by its venue module
// (feeds/<venue>/module.cpp) and handed to parse_config by the caller (the
// registry's table): config/ itself never names a venue.
struct VenueRules {
  std::string_view kind{};
  std::string_view secure_scheme = "wss";  // the url scheme; the plain one only to loopback
  std::string_view plain_scheme = "ws";
  std::int64_t heartbeat_lo = 1;  // heartbeat_s range and default, from the venue's docs
  std::int64_t heartbeat_hi = 60;
  std::int64_t heartbeat_default = 10;
  std::string_view heartbeat_why{};  // e.g. "(public/set_heartbeat minimum is 10)"
  std::uint32_t max_depth = kMaxDepth;
  std::string_view depth_why{};
  std::span<const std::string_view> keys{};  // the module's own keys
  // Reads and checks the module's own keys from the venue table (every generic
  // key of `venue` is already read); may adjust venue.endpoint (a path the
  // venue appends). nullptr: the kind has no keys of its own.
  void (*read_keys)(TableReader& reader, VenueConfig& venue) = nullptr;
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

// [record] (optional): per venue, what the venue logic received and sent, in
// recording files (README "Recordings"). Absent: nothing is recorded.
struct RecordConfig {
  bool enabled = false;                        // a [record] table with enabled != false
  std::string directory;                       // absolute; one subfolder per venue
  std::uint64_t rotate_bytes = 256ULL << 20U;  // a new file after this many bytes
  std::uint32_t rotate_s = 3600;               // or after this many seconds
  std::uint32_t retention_hours = 0;           // older files are deleted; 0: keep all
  std::uint32_t queue_records = 1U << 16U;     // venue thread -> writer queue, records
  std::uint64_t buffer_bytes = 64ULL << 20U;   // frame bytes in flight per venue
};

// [[consolidated]] (optional, repeatable): one name over several venues'
// symbols, for the consolidated BBO segment (README "Consolidated BBO").
struct ConsolidatedMember {
  std::string venue;   // a configured, enabled venue's name
  std::string symbol;  // one of that venue's symbols
};
struct ConsolidatedConfig {
  std::string name;  // e.g. "BTC-PERP"
  std::vector<ConsolidatedMember> members;
};
inline constexpr std::size_t kMaxConsolidatedMembers = 16;  // shm kMaxConsolidatedMembers
inline constexpr std::size_t kMaxConsolidatedNames = 4096;  // shm kMaxConsolidatedNames

struct Config {
  std::string source;  // file name or the name given to parse_config
  std::string text;    // the TOML text as given (a recording keeps it, credentials redacted)
  DaemonConfig daemon;
  RecordConfig record;
  std::vector<VenueConfig> venues;               // in file order
  std::vector<ConsolidatedConfig> consolidated;  // in file order
  // Accepted but worth a loud log line (verify = false, allow_insecure, ...).
  std::vector<std::string> warnings;
};

// Parses and validates TOML text against the venue kinds given (in the order
// messages list them). source_name prefixes syntax error locations.
[[nodiscard]] Config parse_config(std::string_view toml_text, std::string_view source_name,
                                  std::span<const VenueRules> kinds);
// Reads the file (a read error is a ConfigError too) and calls parse_config.
[[nodiscard]] Config load_config(const std::filesystem::path& path,
                                 std::span<const VenueRules> kinds);

// A short human summary for `wirebookd --check`: one line for the daemon, one
// per venue, then warnings. Never contains secrets (only their references).
[[nodiscard]] std::string summarize(const Config& config);

}  // namespace wirebook::config
