#pragma once
#include <simdjson.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/common/outbox.hpp"

namespace pulse_test {

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
  std::ifstream in(std::string(dir ? dir : "tests/fixtures") + "/pulse/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct RecordingOutbox : wirebook::feeds::Outbox {
  void send_text(std::string_view f) override { sent.emplace_back(f); }
  std::size_t count(std::string_view needle) const {
    std::size_t n = 0;
    for (const auto& s : sent) n += s.find(needle) != std::string::npos ? 1U : 0U;
    return n;
  }
  std::vector<std::string> sent;
};

}  // namespace pulse_test
