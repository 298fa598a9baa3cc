#pragma once
// Small helpers over simdjson DOM for the simulator's request parsing (cold
// path: client requests are rare and small).
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace wirebook::sim {

// The text of a string field, or nullopt.
[[nodiscard]] inline std::optional<std::string_view> str_field(simdjson::dom::element e,
                                                               std::string_view key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}

// A request id echoed back verbatim as JSON (string, number or absent -> null).
[[nodiscard]] inline std::string id_json(simdjson::dom::element e) {
  simdjson::dom::element id;
  if (e["id"].get(id) != simdjson::SUCCESS) return "null";
  return simdjson::minify(id);
}

}  // namespace wirebook::sim
