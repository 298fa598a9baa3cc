#pragma once
// Helpers for the Pulse tests (tests/common/feed_test_util.hpp, fixtures from
// tests/fixtures/pulse).
#include <string>

#include "tests/common/feed_test_util.hpp"

namespace pulse_test {

using wirebook::feed_test::Frame;
using wirebook::feed_test::Frames;
using wirebook::feed_test::RecordingOutbox;

inline std::string fixture(const std::string& name) {
  return wirebook::feed_test::fixture("pulse", name);
}

}  // namespace pulse_test
