#pragma once
// Helpers for the WOO tests: padded frames, fixture loading, a recording outbox.
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/common/outbox.hpp"

namespace woo_test {

// A frame in a buffer with SIMDJSON_PADDING spare bytes, as the socket gives it.
struct Frame {
  explicit Frame(std::string_view text)
      : len(text.size()), buf(text.size() + simdjson::SIMDJSON_PADDING, '\0') {
    std::copy(text.begin(), text.end(), buf.begin());
  }
  [[nodiscard]] const char* data() const { return buf.data(); }
  [[nodiscard]] std::size_t capacity() const { return buf.size(); }
  std::size_t len;
  std::vector<char> buf;
};

inline std::string fixture(const std::string& name) {
  const char* dir = std::getenv("WIREBOOK_FIXTURES");
  std::ifstream in(std::string(dir ? dir : "tests/fixtures") + "/woo/" + name);
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

}  // namespace woo_test
