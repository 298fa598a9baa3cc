#pragma once
// Helpers shared by the venue feed tests (tests/woo, tests/pulse, tests/o2):
// frames in padded buffers as the socket gives them, fixture loading, and an
// outbox that records what a feed sends.
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/common/outbox.hpp"
#include "feeds/common/venue_books.hpp"

namespace wirebook::feed_test {

// The top `n` levels of one side of book i, best first.
inline std::vector<book::Level> top_levels(const feeds::VenueBooks& books, std::uint32_t i,
                                           book::Side s, std::size_t n = 50) {
  std::vector<book::Level> v(n);
  v.resize(books.book(i).copy_top(s, v.data(), v.size()));
  return v;
}

// A frame in a buffer with SIMDJSON_PADDING spare bytes.
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

// Padded frames kept alive for as long as views may point into them.
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

// tests/fixtures/<venue>/<name> (the directory from WIREBOOK_FIXTURES when set).
inline std::string fixture(std::string_view venue, const std::string& name) {
  const char* dir = std::getenv("WIREBOOK_FIXTURES");
  std::ifstream in(std::string(dir ? dir : "tests/fixtures") + "/" + std::string(venue) + "/" +
                   name);
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

}  // namespace wirebook::feed_test
