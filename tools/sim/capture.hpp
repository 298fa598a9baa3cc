#pragma once
// Capture files the simulator can serve instead of its generator.
//
// Format (until the record/replay work defines its own): UTF-8 JSON lines,
// one frame per line, in the order received:
//   {"t_ns":1700000000123456789,"venue":"woo","frame":"{\"topic\":...}"}
// `t_ns` is the receive time (any epoch, nanoseconds; only differences
// matter), `venue` names a simulator module (module.hpp), `frame` is the raw
// text frame as a JSON string. Blank lines and lines starting with '#' are
// ignored.
//
// Threading: plain values.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace wirebook::sim {

struct CaptureFrame {
  std::int64_t t_ns = 0;
  std::string frame;
};

// Frames per venue module name, each venue's in file order.
using Capture = std::map<std::string, std::vector<CaptureFrame>, std::less<>>;

// Loads a capture file; throws std::runtime_error naming the line on errors.
[[nodiscard]] Capture load_capture(const std::string& path);

// One capture line for `frame` (used by tests and future recorders).
[[nodiscard]] std::string capture_line(std::int64_t t_ns, std::string_view venue,
                                       const std::string& frame);

}  // namespace wirebook::sim
