#pragma once
// Helpers for the O2 tests: padded frames, fixtures, a recording outbox and
// a recording REST outbox.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "feeds/common/outbox.hpp"
#include "feeds/o2/o2_feed.hpp"

namespace o2_test {

// Frames kept alive (with SIMDJSON_PADDING) for as long as views may point into them.
struct Frames {
  const char* add(const std::string& text, std::size_t& len, std::size_t& cap) {
    store.emplace_back(text.size() + simdjson::SIMDJSON_PADDING, '\0');
    std::copy(text.begin(), text.end(), store.back().begin());
    len = text.size();
    cap = store.back().size();
    return store.back().data();
  }
  std::deque<std::vector<char>> store;
};

inline std::string fixture(const std::string& name) {
  const char* dir = std::getenv("WIREBOOK_FIXTURES");
  std::ifstream in(std::string(dir ? dir : "tests/fixtures") + "/o2/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct RecordingOutbox : wirebook::feeds::Outbox {
  void send_text(std::string_view f) override { sent.emplace_back(f); }
  [[nodiscard]] std::size_t count(std::string_view needle) const {
    std::size_t n = 0;
    for (const auto& s : sent) n += s.find(needle) != std::string::npos ? 1U : 0U;
    return n;
  }
  std::vector<std::string> sent;
};

struct RecordingRest : wirebook::feeds::o2::RestOutbox {
  bool get(std::string_view target, std::uint64_t tag) override {
    requests.emplace_back(std::string(target), tag);
    return true;
  }
  std::vector<std::pair<std::string, std::uint64_t>> requests;
};

}  // namespace o2_test
