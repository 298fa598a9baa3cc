#include "config/toml_keys.hpp"

namespace wirebook::config::detail {

KeyValue to_key_value(const toml::node& node) {
  KeyValue v;
  using T = KeyValue::Type;
  switch (node.type()) {
    case toml::node_type::table:
      v.type = T::table;
      v.fields = to_key_table(*node.as_table());
      break;
    case toml::node_type::array:
      v.type = T::array;
      for (const auto& item : *node.as_array()) v.items.push_back(to_key_value(item));
      break;
    case toml::node_type::string:
      v.type = T::string;
      v.string = node.as_string()->get();
      break;
    case toml::node_type::integer:
      v.type = T::integer;
      v.integer = node.as_integer()->get();
      break;
    case toml::node_type::floating_point:
      v.type = T::floating;
      v.floating = node.as_floating_point()->get();
      break;
    case toml::node_type::boolean:
      v.type = T::boolean;
      v.boolean = node.as_boolean()->get();
      break;
    case toml::node_type::date:
      v.type = T::date;
      break;
    case toml::node_type::time:
      v.type = T::time;
      break;
    case toml::node_type::date_time:
    case toml::node_type::none:
      v.type = T::date_time;
      break;
  }
  return v;
}

KeyTable to_key_table(const toml::table& table) {
  KeyTable out;
  out.reserve(table.size());
  for (const auto& [k, node] : table)
    out.push_back(KeyField{std::string(k.str()), to_key_value(node)});
  return out;
}

}  // namespace wirebook::config::detail
