#include "config/secret.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

namespace wirebook::config {

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) {
  other.wipe();
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

Secret::~Secret() {
  wipe();
}

void Secret::wipe() noexcept {
  // volatile so the stores are not elided as dead before deallocation.
  // resize first so every byte written is inside the string (no UB past size()).
  value_.resize(value_.capacity());
  volatile char* p = value_.data();
  for (std::size_t i = 0; i < value_.size(); ++i) p[i] = '\0';
  value_.clear();
}

std::ostream& operator<<(std::ostream& os, const Secret& /*secret*/) {
  return os << Secret::kMask;
}

namespace {

[[noreturn]] void fail(std::string_view what, const std::string& problem) {
  throw ConfigError("credentials", {std::string(what) + ": " + problem});
}

Secret read_secret_file(const std::string& path, std::string_view what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::is_regular_file(st)) fail(what, "cannot read file '" + path + "'");
  if ((st.permissions() & fs::perms::others_read) != fs::perms::none) {
    fail(what, "file '" + path + "' is readable by everyone; chmod o-r it");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(what, "cannot read file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) fail(what, "file '" + path + "' is empty");
  return Secret(std::move(value));
}

}  // namespace

Secret resolve_credential(const CredentialRef& ref, std::string_view what) {
  switch (ref.source) {
    case CredentialRef::Source::none:
      fail(what, "not configured");
    case CredentialRef::Source::env: {
      const char* value = std::getenv(ref.name.c_str());
      if (value == nullptr || *value == '\0') {
        fail(what, "environment variable '" + ref.name + "' is not set or empty");
      }
      return Secret(value);
    }
    case CredentialRef::Source::file:
      return read_secret_file(ref.name, what);
  }
  fail(what, "not configured");
}

VenueCredentials resolve_credentials(const VenueConfig& venue) {
  VenueCredentials out;
  const std::string ctx = "venue '" + venue.name + "': ";
  if (venue.api_key.given()) out.api_key = resolve_credential(venue.api_key, ctx + "api_key");
  if (venue.api_secret.given()) {
    out.api_secret = resolve_credential(venue.api_secret, ctx + "api_secret");
  }
  return out;
}

}  // namespace wirebook::config
