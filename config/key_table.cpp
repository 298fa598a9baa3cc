#include "config/key_table.hpp"

#include "config/url.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace wirebook::config {

const KeyValue* KeyValue::field(std::string_view key) const noexcept {
  for (const auto& [k, v] : fields) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string_view type_phrase(const KeyValue& value) noexcept {
  switch (value.type) {
    case KeyValue::Type::table:
      return "a table";
    case KeyValue::Type::array:
      return "an array";
    case KeyValue::Type::string:
      return "a string";
    case KeyValue::Type::integer:
      return "an integer";
    case KeyValue::Type::floating:
      return "a float";
    case KeyValue::Type::boolean:
      return "a boolean";
    case KeyValue::Type::date:
      return "a date";
    case KeyValue::Type::time:
      return "a time";
    case KeyValue::Type::date_time:
      return "a date-time";
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

TableReader::TableReader(const KeyTable& table, std::string context, Problems& problems,
                         std::string key_prefix)
    : table_(table),
      context_(std::move(context)),
      problems_(problems),
      key_prefix_(std::move(key_prefix)) {}

void TableReader::problem(std::string message) {
  problems_.push_back(context_ + ": " + std::move(message));
}

void TableReader::type_problem(std::string_view key, std::string_view expected,
                               const KeyValue& got) {
  problem(name(key) + " must be " + std::string(expected) + ", got " +
          std::string(type_phrase(got)));
}

bool TableReader::has(std::string_view key) const noexcept {
  for (const auto& [k, v] : table_) {
    if (k == key) return true;
  }
  return false;
}

const KeyValue* TableReader::take(std::string_view key) {
  asked_.emplace(key);
  for (const auto& [k, v] : table_) {
    if (k == key) {
      taken_.emplace(key);
      return &v;
    }
  }
  return nullptr;
}

const KeyValue* TableReader::take_required(std::string_view key) {
  const KeyValue* node = take(key);
  if (node == nullptr) problem("missing required key '" + name(key) + "'");
  return node;
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
  const KeyValue* node = required ? take_required(key) : take(key);
  if (node == nullptr) return std::nullopt;
  if (node->type == KeyValue::Type::string) return node->string;
  type_problem(key, "a string", *node);
  return std::nullopt;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
  const KeyValue* node = take(key);
  if (node == nullptr) return std::nullopt;
  if (node->type == KeyValue::Type::boolean) return node->boolean;
  type_problem(key, "a boolean (true or false)", *node);
  return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, bool required) {
  const KeyValue* node = required ? take_required(key) : take(key);
  if (node == nullptr) return std::nullopt;
  if (node->type == KeyValue::Type::integer) return node->integer;
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

std::optional<std::string> TableReader::https_url(std::string_view key) {
  auto text = string(key);
  if (!text) return std::nullopt;
  Url url;
  if (auto err = parse_url(*text, url)) {
    problem(name(key) + " '" + *text + "' " + *err);
    return std::nullopt;
  }
  if (url.scheme != "https" && !(url.scheme == "http" && is_loopback_host(url.host))) {
    problem(name(key) + " must be https:// (http:// only to a loopback host), got '" + *text + "'");
    return std::nullopt;
  }
  return text;
}

const KeyTable* TableReader::table(std::string_view key, std::string_view how_to_write) {
  const KeyValue* node = take(key);
  if (node == nullptr) return nullptr;
  if (node->type == KeyValue::Type::table) return &node->fields;
  type_problem(key, "a table (" + std::string(how_to_write) + ")", *node);
  return nullptr;
}

const std::vector<KeyValue>* TableReader::array(std::string_view key, bool required) {
  const KeyValue* node = required ? take_required(key) : take(key);
  if (node == nullptr) return nullptr;
  if (node->type == KeyValue::Type::array) return &node->items;
  type_problem(key, "an array", *node);
  return nullptr;
}

void TableReader::finish() {
  for (const auto& [k, node] : table_) {
    const std::string_view key = k;
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

}  // namespace wirebook::config
