#include "config/table_reader.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace wirebook::config::detail {

std::string_view type_phrase(const toml::node& node) noexcept {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0U : 1U)});
      diag = up;
    }
  }
  return row[b.size()];
}

bool looks_like_inline_secret(std::string_view key) {
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto ends_with = [&](std::string_view s) {
    return k.size() >= s.size() && k.compare(k.size() - s.size(), s.size(), s) == 0;
  };
  if (ends_with("_env") || ends_with("_file")) return false;
  if (k == "key" || k == "api_key" || k == "apikey" || k == "client_id") return true;
  constexpr std::array<std::string_view, 6> kWords = {"secret",     "password", "passwd",
                                                      "passphrase", "token",    "private_key"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return k.find(w) != std::string::npos; });
}

TableReader::TableReader(const toml::table& table, std::string context, Problems& problems,
                         std::string key_prefix)
    : table_(table),
      context_(std::move(context)),
      problems_(problems),
      key_prefix_(std::move(key_prefix)) {}

void TableReader::problem(std::string message) {
  problems_.push_back(context_ + ": " + std::move(message));
}

void TableReader::type_problem(std::string_view key, std::string_view expected,
                               const toml::node& got) {
  problem(name(key) + " must be " + std::string(expected) + ", got " +
          std::string(type_phrase(got)));
}

const toml::node* TableReader::take(std::string_view key) {
  asked_.emplace(key);
  const toml::node* node = table_.get(key);
  if (node != nullptr) taken_.emplace(key);
  return node;
}

const toml::node* TableReader::take_required(std::string_view key) {
  const toml::node* node = take(key);
  if (node == nullptr) problem("missing required key '" + name(key) + "'");
  return node;
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
  const toml::node* node = required ? take_required(key) : take(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* s = node->as_string()) return s->get();
  type_problem(key, "a string", *node);
  return std::nullopt;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
  const toml::node* node = take(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* b = node->as_boolean()) return b->get();
  type_problem(key, "a boolean (true or false)", *node);
  return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, bool required) {
  const toml::node* node = required ? take_required(key) : take(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* i = node->as_integer()) return i->get();
  type_problem(key, "an integer", *node);
  return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer_in(std::string_view key, std::int64_t lo,
                                                    std::int64_t hi, bool required,
                                                    std::string_view why) {
  auto value = integer(key, required);
  if (!value) return std::nullopt;
  if (*value < lo || *value > hi) {
    std::string msg = name(key) + " must be " + std::to_string(lo) + ".." + std::to_string(hi);
    if (!why.empty()) msg += " " + std::string(why);
    problem(msg + ", got " + std::to_string(*value));
    return std::nullopt;
  }
  return value;
}

const toml::table* TableReader::table(std::string_view key, std::string_view how_to_write) {
  const toml::node* node = take(key);
  if (node == nullptr) return nullptr;
  if (const auto* t = node->as_table()) return t;
  type_problem(key, "a table (" + std::string(how_to_write) + ")", *node);
  return nullptr;
}

const toml::array* TableReader::array(std::string_view key, bool required) {
  const toml::node* node = required ? take_required(key) : take(key);
  if (node == nullptr) return nullptr;
  if (const auto* a = node->as_array()) return a;
  type_problem(key, "an array", *node);
  return nullptr;
}

void TableReader::finish() {
  for (const auto& [k, node] : table_) {
    const std::string_view key = k.str();
    if (taken_.count(key) != 0) continue;
    if (looks_like_inline_secret(key)) {
      // Point at the reference keys that exist: api_key_* or api_secret_*.
      const bool is_key = (key.find("key") != std::string_view::npos || key == "client_id") &&
                          key.find("secret") == std::string_view::npos &&
                          key.find("private") == std::string_view::npos;
      const std::string base = is_key ? "api_key" : "api_secret";
      problem("inline secret '" + name(key) + "' is not allowed; use '" + base +
              "_env' (environment variable name) or '" + base + "_file' (file path)");
      continue;
    }
    std::string msg = "unknown key '" + name(key) + "'";
    std::string_view best;
    std::size_t best_d = 3;  // suggest only close matches
    for (const auto& candidate : asked_) {
      const std::size_t d = edit_distance(key, candidate);
      if (d < best_d) {
        best_d = d;
        best = candidate;
      }
    }
    if (!best.empty()) msg += " (did you mean '" + name(best) + "'?)";
    problem(std::move(msg));
  }
}

}  // namespace wirebook::config::detail
