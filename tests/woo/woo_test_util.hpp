#pragma once
// Helpers for the WOO tests (tests/common/feed_test_util.hpp, fixtures from tests/fixtures/woo).
#include <string>

#include "tests/common/feed_test_util.hpp"

namespace woo_test {

using wirebook::feed_test::Frame;
using wirebook::feed_test::RecordingOutbox;

inline std::string fixture(const std::string& name) {
  return wirebook::feed_test::fixture("woo", name);
}

}  // namespace woo_test
