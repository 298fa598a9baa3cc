// Secrets resolve from env or file and never print their text.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "config/secret.hpp"
#include "config/secret_fmt.hpp"

using namespace wirebook::config;
namespace fs = std::filesystem;

namespace {

constexpr const char* kText = "s3cr3t-Value-42";

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "wirebook-config-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

fs::path write(const fs::path& p, const std::string& text, fs::perms perms) {
  std::ofstream(p) << text;
  fs::permissions(p, perms);
  return p;
}

std::string error_of(const CredentialRef& ref) {
  try {
    (void)resolve_credential(ref, "venue 'woo': api_secret");
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("resolved");
  return {};
}

}  // namespace

TEST_CASE("formatting a secret never shows its text", "[config]") {
  Secret s{std::string(kText)};
  REQUIRE(s.reveal() == kText);

  std::ostringstream os;
  os << s;
  REQUIRE(os.str() == "***");
  REQUIRE(fmt::format("{}", s) == "***");
  REQUIRE(fmt::format("key={} secret={:>8}|", "k", s) == "key=k secret=     ***|");
  REQUIRE(fmt::format("{}", s).find(kText) == std::string::npos);

  Secret moved = std::move(s);
  REQUIRE(moved.reveal() == kText);
  REQUIRE(s.empty());  // NOLINT(bugprone-use-after-move): moved-from is wiped and empty
}

TEST_CASE("a credential resolves from an environment variable", "[config]") {
  REQUIRE(::setenv("WIREBOOK_TEST_SECRET", kText, 1) == 0);
  const Secret s = resolve_credential({CredentialRef::Source::env, "WIREBOOK_TEST_SECRET"}, "x");
  REQUIRE(s.reveal() == kText);
  ::unsetenv("WIREBOOK_TEST_SECRET");
  REQUIRE(error_of({CredentialRef::Source::env, "WIREBOOK_TEST_SECRET"}) ==
          "credentials: venue 'woo': api_secret: environment variable 'WIREBOOK_TEST_SECRET' is "
          "not set or empty");
  REQUIRE(error_of({}) == "credentials: venue 'woo': api_secret: not configured");
}

TEST_CASE("a credential resolves from a private file without its newline", "[config]") {
  TempDir dir;
  const auto ok = write(dir.path / "secret", std::string(kText) + "\n",
                        fs::perms::owner_read | fs::perms::owner_write);
  const Secret s = resolve_credential({CredentialRef::Source::file, ok.string()}, "x");
  REQUIRE(s.reveal() == kText);

  const auto open = write(dir.path / "open", kText, fs::perms::owner_read | fs::perms::others_read);
  REQUIRE(error_of({CredentialRef::Source::file, open.string()}) ==
          "credentials: venue 'woo': api_secret: file '" + open.string() +
              "' is readable by everyone; chmod o-r it");
  const auto empty = write(dir.path / "empty", "\n", fs::perms::owner_read);
  REQUIRE(error_of({CredentialRef::Source::file, empty.string()}) ==
          "credentials: venue 'woo': api_secret: file '" + empty.string() + "' is empty");
  const std::string missing = (dir.path / "missing").string();
  REQUIRE(error_of({CredentialRef::Source::file, missing}) ==
          "credentials: venue 'woo': api_secret: cannot read file '" + missing + "'");
}

TEST_CASE("a venue's credentials resolve together and stay masked", "[config]") {
  REQUIRE(::setenv("WIREBOOK_TEST_KEY", "key-abc", 1) == 0);
  REQUIRE(::setenv("WIREBOOK_TEST_SEC", kText, 1) == 0);
  VenueConfig v;
  v.name = "woo";
  v.api_key = {CredentialRef::Source::env, "WIREBOOK_TEST_KEY"};
  v.api_secret = {CredentialRef::Source::env, "WIREBOOK_TEST_SEC"};
  const VenueCredentials c = resolve_credentials(v);
  REQUIRE(c.api_key.reveal() == "key-abc");
  REQUIRE(c.api_secret.reveal() == kText);
  REQUIRE(fmt::format("{} {}", c.api_key, c.api_secret) == "*** ***");
  ::unsetenv("WIREBOOK_TEST_KEY");
  ::unsetenv("WIREBOOK_TEST_SEC");

  VenueConfig none;
  none.name = "pulse";
  const VenueCredentials empty = resolve_credentials(none);
  REQUIRE(empty.api_key.empty());
  REQUIRE(empty.api_secret.empty());
}
