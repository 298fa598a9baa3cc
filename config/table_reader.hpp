#pragma once
// Internal to config/: reads one TOML table key by key, records every problem
// with the table's context ("daemon", "venue 'woo'") and, at finish(), reports
// the keys nobody asked for. The only header that includes toml++.
// Threading: one reader per table, used by one thread.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace wirebook::config::detail {

// An ordered list of problem messages shared by all readers of one parse.
using Problems = std::vector<std::string>;

// "a string", "an integer", ... for type mismatch messages.
[[nodiscard]] std::string_view type_phrase(const toml::node& node) noexcept;
// Edit distance for "did you mean" hints.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);
// True for key names that would hold a secret inline (api_secret, password, ...).
[[nodiscard]] bool looks_like_inline_secret(std::string_view key);

class TableReader {
 public:
  // key_prefix is prepended to key names in messages ("tls." for [venue.tls]).
  TableReader(const toml::table& table, std::string context, Problems& problems,
              std::string key_prefix = {});

  [[nodiscard]] bool has(std::string_view key) const { return table_.contains(key); }
  // Marks key as used and returns its node, or nullptr when absent.
  const toml::node* take(std::string_view key);
  // Reports "missing required key" when absent.
  const toml::node* take_required(std::string_view key);

  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, bool required = false);
  // Integer within [lo, hi]; reports "<key> must be lo..hi, got v" (plus why).
  std::optional<std::int64_t> integer_in(std::string_view key, std::int64_t lo, std::int64_t hi,
                                         bool required = false, std::string_view why = {});
  const toml::table* table(std::string_view key, std::string_view how_to_write);
  const toml::array* array(std::string_view key, bool required = false);

  // Reports every key not taken: inline secrets get their own message, other
  // keys "unknown key 'x'" with a suggestion among the keys asked for.
  void finish();

  void problem(std::string message);  // adds "<context>: message"
  [[nodiscard]] std::string name(std::string_view key) const {
    return key_prefix_ + std::string(key);
  }
  void type_problem(std::string_view key, std::string_view expected, const toml::node& got);
  [[nodiscard]] const std::string& context() const noexcept { return context_; }
  void set_context(std::string context) { context_ = std::move(context); }

 private:
  const toml::table& table_;
  std::string context_;
  Problems& problems_;
  std::string key_prefix_;
  std::set<std::string, std::less<>> taken_;
  std::set<std::string, std::less<>> asked_;
};

}  // namespace wirebook::config::detail
