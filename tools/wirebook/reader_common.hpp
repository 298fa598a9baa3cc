#pragma once
// What the reader subcommands (dump, status, tail, top) share: where an
// instance lives, how open failures become messages and exit codes, exact
// decimal and JSON text, and a stop flag set by SIGINT/SIGTERM.
//
// Cold code: allocation and system calls are fine. Single-threaded.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <wirebook/consolidated_reader.hpp>
#include <wirebook/reader.hpp>

#include "tools/wirebook/subcommand.hpp"

namespace wirebook::cli {

// Exit codes shared by the reader subcommands (documented in their --help).
inline constexpr int kExitOk = 0;
inline constexpr int kExitNotLive = 1;       // status: a book is not LIVE / a writer not alive
inline constexpr int kExitNoMatch = 2;       // no such venue or symbol
inline constexpr int kExitNoDaemon = 3;      // no instance there, or its daemon is not running
inline constexpr int kExitIncompatible = 4;  // segment from another wirebook version, or corrupt
inline constexpr int kExitPermission = 5;    // not allowed to read the segment
inline constexpr int kExitIo = 6;            // an unexpected system error

// Help text listing the exit codes above.
extern const char* const kExitCodesHelp;

// --instance / --dir, shared by every reader subcommand.
struct Target {
  std::string instance = "main";
  std::string dir;  // overrides the instance directory
  [[nodiscard]] std::string resolved() const {
    return dir.empty() ? shm::instance_dir(instance) : dir;
  }
};
void add_target_options(CLI::App& sub, Target& t);

[[nodiscard]] int exit_code_for(shm::OpenError e) noexcept;

// Opens the control segment; on failure prints a clear message prefixed with
// `cmd` ("wirebook dump") and returns the exit code, else kExitOk.
[[nodiscard]] int open_instance(const char* cmd, const std::string& dir, shm::InstanceReader& out);
// Same for one venue of an open instance.
[[nodiscard]] int open_venue(const char* cmd, const std::string& dir,
                             const shm::InstanceReader& inst, const std::string& venue,
                             shm::VenueReader& out);

// Same for the instance's consolidated segment.
[[nodiscard]] int open_consolidated(const char* cmd, const std::string& dir,
                                    shm::ConsolidatedReader& out);

// Venue names of `inst` selected by `filter` (all when empty). Prints a
// message and returns kExitNoMatch when a filter names an unknown venue.
[[nodiscard]] int select_venues(const char* cmd, const shm::InstanceReader& inst,
                                const std::vector<std::string>& filter,
                                std::vector<std::string>& out);

// Opens the instance at `dir` and calls visit(inst, venue) for each venue
// selected by `filter`; visit returns how many things it printed, or
// -exit_code when that venue cannot be read. Returns the first failure's
// exit code (kExitOk when none) and the total printed in `printed`.
[[nodiscard]] int visit_venues(
    const char* cmd, const std::string& dir, const std::vector<std::string>& filter,
    const std::function<int(const shm::InstanceReader&, const std::string&)>& visit, int& printed);

[[nodiscard]] bool wanted(const std::vector<std::string>& filter, std::string_view name);

// Canonical decimal text of value * 10^exp (DESIGN.md §7).
[[nodiscard]] std::string decimal(std::int64_t value, int exp);
// Appends `s` as a JSON string literal.
void json_string(std::string& out, std::string_view s);
// "crossed", "truncated" (lower case, in that order).
[[nodiscard]] std::vector<const char*> flag_names(std::uint8_t flags);
// An instrument's reference data (DESIGN §9a) as a JSON object: each known
// field as an exact decimal string (next_funding_time_ns as an integer), then
// updates and the times; unknown fields are left out.
[[nodiscard]] std::string reference_json(const shm::Reference& r);
// The same as one readable line ("mark 50000.5 index 50001 funding_rate
// 0.0001 next_funding 2026-12-07T08:00:00Z open_interest 12.5").
[[nodiscard]] std::string reference_text(const shm::Reference& r);
// "0x" + 16 hex digits.
[[nodiscard]] std::string hex64(std::uint64_t v);

[[nodiscard]] std::int64_t realtime_ns() noexcept;
[[nodiscard]] std::int64_t monotonic_ns() noexcept;

// SIGINT/SIGTERM set a flag instead of killing the process (no SA_RESTART, so
// a blocking poll() returns EINTR at once).
void install_stop_signals();
[[nodiscard]] bool stop_requested() noexcept;

}  // namespace wirebook::cli
