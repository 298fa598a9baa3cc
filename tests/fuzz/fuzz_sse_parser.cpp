// libFuzzer target: the Server-Sent Events parser must never crash, whatever
// the bytes, and must give the same events and comments however the stream is
// split into chunks (the first input byte picks the split). Every event's data
// must be contiguous and padded. Seeded from tests/fuzz/corpus/sse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "feeds/common/sse_parser.hpp"

namespace {

using wirebook::feeds::SseEvent;
using wirebook::feeds::SseParser;
using wirebook::feeds::SseSink;
using wirebook::feeds::SseStatus;

// Everything the parser said, as one transcript to compare.
struct Transcript final : SseSink {
  bool on_event(const SseEvent& e) noexcept override {
    if (e.capacity < e.len + wirebook::feeds::kSsePadding) std::abort();
    text.append("E:").append(e.type).append("|").append(e.id).append("|");
    text.append(e.data, e.len).append("\x01");
    return true;
  }
  void on_comment(std::string_view c) noexcept override { text.append("C:").append(c) += '\x01'; }
  std::string text;
};

std::string run(const char* data, std::size_t size, std::size_t cut, SseStatus& status) {
  SseParser parser({.max_line_bytes = 512, .max_event_bytes = 2048});
  Transcript t;
  status = parser.feed(data, cut, t);
  if (status == SseStatus::ok) status = parser.feed(data + cut, size - cut, t);
  t.text += "R:" + std::to_string(parser.retry_ms());
  return t.text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const char* bytes = reinterpret_cast<const char*>(data) + 1;
  const std::size_t n = size - 1;
  const std::size_t cut = n == 0 ? 0 : data[0] % (n + 1);
  SseStatus whole_status = SseStatus::ok;
  SseStatus split_status = SseStatus::ok;
  const std::string whole = run(bytes, n, n, whole_status);
  const std::string split = run(bytes, n, cut, split_status);
  // Errors may surface at a different event when the split moves the bound
  // check; only complete runs must agree exactly.
  if (whole_status == SseStatus::ok && split_status == SseStatus::ok && whole != split) {
    std::abort();
  }
  return 0;
}
