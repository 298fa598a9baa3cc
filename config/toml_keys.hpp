#pragma once
// Internal to config/: parsed TOML -> KeyTable (key_table.hpp), so that every
// reader, ours and the venue modules', is std only. The one header besides
// config.cpp that includes toml++.
#include <toml++/toml.h>

#include "config/key_table.hpp"

namespace wirebook::config::detail {

[[nodiscard]] KeyValue to_key_value(const toml::node& node);
[[nodiscard]] KeyTable to_key_table(const toml::table& table);

}  // namespace wirebook::config::detail
