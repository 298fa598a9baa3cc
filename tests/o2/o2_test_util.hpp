#pragma once
// Helpers for the O2 tests: padded frames, fixtures, a recording outbox and
// a recording REST outbox.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "feeds/o2/o2_feed.hpp"
#include "tests/common/feed_test_util.hpp"

namespace o2_test {

using wirebook::feed_test::Frames;
using wirebook::feed_test::RecordingOutbox;

inline std::string fixture(const std::string& name) {
  return wirebook::feed_test::fixture("o2", name);
}

struct RecordingRest : wirebook::feeds::RestOutbox {
  bool get(std::string_view target, std::uint64_t tag) override {
    requests.emplace_back(std::string(target), tag);
    return true;
  }
  std::vector<std::pair<std::string, std::uint64_t>> requests;
};

}  // namespace o2_test
