#pragma once
// Helpers shared by the config tests.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "feeds/registry.hpp"

namespace wirebook::config::test {

// The venue kinds of this build (the registry's table), as the daemon passes them.
inline std::span<const VenueRules> kinds() {
  return feeds::venue_rules();
}

// A valid config; tests append or replace parts of it.
inline const std::string kDaemon = R"([daemon]
instance = "t1"
)";

inline const std::string kWoo = R"(
[[venue]]
name = "woo"
kind = "woo"
url = "wss://wss.woox.io/ws/stream"
symbols = ["SPOT_BTC_USDT"]
depth = 20
)";

// Parses text expecting failure; returns every problem message.
inline std::vector<std::string> problems_of(const std::string& text) {
  try {
    (void)parse_config(text, "test.toml", kinds());
  } catch (const ConfigError& e) {
    return e.problems();
  }
  FAIL("config was accepted:\n" << text);
  return {};
}

inline std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

}  // namespace wirebook::config::test

// The config must fail with exactly this problem among its problems.
#define REQUIRE_PROBLEM(text, message)                                                      \
  do {                                                                                      \
    const auto probs_ = ::wirebook::config::test::problems_of(text);                        \
    INFO("problems:\n" << ::wirebook::config::test::joined(probs_));                        \
    REQUIRE(std::find(probs_.begin(), probs_.end(), std::string(message)) != probs_.end()); \
  } while (false)

// The config must fail with exactly one problem, equal to message.
#define REQUIRE_ONLY_PROBLEM(text, message)                          \
  do {                                                               \
    const auto probs_ = ::wirebook::config::test::problems_of(text); \
    INFO("problems:\n" << ::wirebook::config::test::joined(probs_)); \
    REQUIRE(probs_.size() == 1);                                     \
    REQUIRE(probs_[0] == std::string(message));                      \
  } while (false)
