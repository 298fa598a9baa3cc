#pragma once
// Helpers for the OX.FUN tests (tests/common/feed_test_util.hpp, fixtures from
// tests/fixtures/oxfun).
#include <string>

#include "tests/common/feed_test_util.hpp"

namespace oxfun_test {

using wirebook::feed_test::Frame;
using wirebook::feed_test::RecordingOutbox;

inline std::string fixture(const std::string& name) {
  return wirebook::feed_test::fixture("oxfun", name);
}

}  // namespace oxfun_test
