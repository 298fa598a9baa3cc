#pragma once
// Secrets resolved from the references in a VenueConfig (environment variable
// or file). A Secret prints as "***" through operator<< and, with
// config/secret_fmt.hpp, through fmt/spdlog, so it cannot leak into logs by
// accident; the text is reachable only through reveal().
// Threading: a Secret is a value; resolve_* read the environment and files and
// are meant for start-up (std::getenv is not safe against concurrent setenv).

#include <iosfwd>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace wirebook::config {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  // The only way to the text: call it where the secret is used (signing), never to log.
  [[nodiscard]] std::string_view reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }

  static constexpr std::string_view kMask = "***";

 private:
  void wipe() noexcept;  // best effort: overwrite before the memory is released
  std::string value_;
};

std::ostream& operator<<(std::ostream& os, const Secret& secret);

// Reads the variable or the file named by ref (a file's trailing newline is
// dropped). Throws ConfigError naming `what` ("venue 'woo': api_secret") when the
// reference is absent, the variable is unset or empty, the file cannot be read
// or is empty, or the file is readable by others than owner and group.
[[nodiscard]] Secret resolve_credential(const CredentialRef& ref, std::string_view what);

struct VenueCredentials {
  Secret api_key;     // empty when not configured
  Secret api_secret;  // empty when not configured
};
[[nodiscard]] VenueCredentials resolve_credentials(const VenueConfig& venue);

}  // namespace wirebook::config
