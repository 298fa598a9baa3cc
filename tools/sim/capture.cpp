#include "tools/sim/capture.hpp"

#include <simdjson.h>

#include <fstream>
#include <stdexcept>

#include "tools/sim/module.hpp"
#include "tools/sim/text.hpp"

namespace wirebook::sim {

Capture load_capture(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open capture file " + path);
  Capture cap;
  simdjson::dom::parser parser;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    auto bad = [&](const std::string& what) {
      return std::runtime_error(path + ":" + std::to_string(line_no) + ": " + what);
    };
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS) throw bad("not JSON");
    std::int64_t t_ns = 0;
    std::string_view venue;
    std::string_view frame;
    if (doc["t_ns"].get_int64().get(t_ns) != simdjson::SUCCESS) throw bad("missing integer t_ns");
    if (doc["venue"].get_string().get(venue) != simdjson::SUCCESS)
      throw bad("missing string venue");
    if (doc["frame"].get_string().get(frame) != simdjson::SUCCESS)
      throw bad("missing string frame");
    if (find_module(venue) == nullptr)
      throw bad("venue must be a simulator module (" + module_names() + ")");
    cap[std::string(venue)].push_back({t_ns, std::string(frame)});
  }
  return cap;
}

std::string capture_line(std::int64_t t_ns, std::string_view venue, const std::string& frame) {
  std::string out = "{\"t_ns\":";
  append_int(out, t_ns);
  out += ",\"venue\":";
  append_json_string(out, venue);
  out += ",\"frame\":";
  append_json_string(out, frame);
  out += "}";
  return out;
}

}  // namespace wirebook::sim
