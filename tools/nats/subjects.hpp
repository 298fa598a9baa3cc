#pragma once
// Subject and stream names of one source instance (README "NATS bridge and
// mirror"). Instance and venue names are single subject tokens: [A-Za-z0-9_-].
#include <cstdint>
#include <string>
#include <string_view>

namespace wirebook::nats {

// True when `name` can be a subject token and part of a stream name.
[[nodiscard]] inline bool valid_token(std::string_view name) noexcept {
  if (name.empty() || name.size() > 31) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

struct Names {
  std::string instance;
  // Event stream: every venue's EVENTS messages, limits from options.
  [[nodiscard]] std::string events_stream() const { return "WIREBOOK_" + instance + "_EV"; }
  // State stream: info and snapshots, one message kept per subject.
  [[nodiscard]] std::string state_stream() const { return "WIREBOOK_" + instance + "_STATE"; }
  [[nodiscard]] std::string events(std::string_view venue) const {
    return "wirebook." + instance + "." + std::string(venue) + ".ev";
  }
  [[nodiscard]] std::string snapshot(std::string_view venue, std::uint32_t instrument) const {
    return "wirebook." + instance + "." + std::string(venue) + ".snap." +
           std::to_string(instrument);
  }
  // A venue's positions snapshot: under the snapshot wildcard, so a state
  // stream created by an earlier bridge stores it too.
  [[nodiscard]] std::string positions(std::string_view venue) const {
    return "wirebook." + instance + "." + std::string(venue) + ".snap.pos";
  }
  [[nodiscard]] std::string venue_info(std::string_view venue) const {
    return "wirebook." + instance + "." + std::string(venue) + ".info";
  }
  [[nodiscard]] std::string instance_info() const { return "wirebook." + instance + ".info"; }
  [[nodiscard]] std::string events_wildcard() const { return "wirebook." + instance + ".*.ev"; }
  [[nodiscard]] std::string snapshot_wildcard() const {
    return "wirebook." + instance + ".*.snap.*";
  }
  [[nodiscard]] std::string venue_info_wildcard() const {
    return "wirebook." + instance + ".*.info";
  }
};

}  // namespace wirebook::nats
