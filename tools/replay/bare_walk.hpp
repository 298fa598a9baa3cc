#pragma once
// The bare walk (issue 22): simdjson On-Demand over one message, touching the
// raw text of every scalar — the least any correct consumer of the message
// does. The baseline that `wirebook replay --bench` and the pipeline benches
// (bench/feeds) set the full pipeline against.
#include <cstddef>
#include <cstdint>

#include <simdjson.h>

namespace wirebook::replay {

// Touches the raw text of every scalar in `v`; returns how many (0 on an error).
inline std::uint64_t bare_walk(simdjson::ondemand::value v, int depth, std::uint64_t& touch) {
  using simdjson::ondemand::json_type;
  json_type t{};
  if (depth > 64 || v.type().get(t) != simdjson::SUCCESS) return 0;
  std::uint64_t n = 0;
  if (t == json_type::object) {
    simdjson::ondemand::object o;
    if (v.get_object().get(o) != simdjson::SUCCESS) return 0;
    for (auto field : o) {
      simdjson::ondemand::value child;
      if (field.value().get(child) == simdjson::SUCCESS) n += bare_walk(child, depth + 1, touch);
    }
  } else if (t == json_type::array) {
    simdjson::ondemand::array a;
    if (v.get_array().get(a) != simdjson::SUCCESS) return 0;
    for (auto element : a) {
      simdjson::ondemand::value child;
      if (element.get(child) == simdjson::SUCCESS) n += bare_walk(child, depth + 1, touch);
    }
  } else {
    const std::string_view raw = v.raw_json_token();
    if (!raw.empty()) {
      ++n;
      touch += static_cast<unsigned char>(raw.front()) + static_cast<unsigned char>(raw.back());
    }
  }
  return n;
}

// One message (`capacity` >= len + SIMDJSON_PADDING readable bytes): the
// scalars it touched, 0 when it did not parse.
inline std::uint64_t bare_walk_message(simdjson::ondemand::parser& parser, const char* data,
                                       std::size_t len, std::size_t capacity,
                                       std::uint64_t& touch) {
  simdjson::ondemand::document doc;
  simdjson::ondemand::value root;
  if (parser.iterate(data, len, capacity).get(doc) != simdjson::SUCCESS ||
      doc.get_value().get(root) != simdjson::SUCCESS) {
    return 0;
  }
  return bare_walk(root, 0, touch);
}

}  // namespace wirebook::replay
