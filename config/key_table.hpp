#pragma once
// A TOML table as plain std values, and the strict reader every part of the
// configuration is validated with (DESIGN.md §2, §7). config/ converts the
// parsed TOML into KeyTables once; the generic keys are read here, a venue's
// own keys by its venue module (feeds/<venue>/module.cpp) with the same
// reader, so every message has the same shape: "<context>: <key> must be ...".
//
// Threading: one reader per table, used by one thread. Std only.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wirebook::config {

// An ordered list of problem messages shared by all readers of one parse.
using Problems = std::vector<std::string>;

struct KeyField;

// One TOML value. Dates and times are kept only as their type (no key of
// ours takes one; the type names the mistake in a message).
struct KeyValue {
  enum class Type : std::uint8_t {
    table,
    array,
    string,
    integer,
    floating,
    boolean,
    date,
    time,
    date_time
  };
  Type type = Type::string;
  bool boolean = false;
  std::int64_t integer = 0;
  double floating = 0;
  std::string string;
  std::vector<KeyValue> items;   // array
  std::vector<KeyField> fields;  // table, in file order

  [[nodiscard]] const KeyValue* field(std::string_view key) const noexcept;
};

// One entry of a table. (A struct, not a std::pair: KeyValue is incomplete
// where its `fields` are declared, which a vector allows and a pair does not.)
struct KeyField {
  std::string key;
  KeyValue value;
};

// A table's entries in file order.
using KeyTable = std::vector<KeyField>;

// "a string", "an integer", ... for type mismatch messages.
[[nodiscard]] std::string_view type_phrase(const KeyValue& value) noexcept;
// Edit distance for "did you mean" hints.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);
// True for key names that would hold a secret inline (api_secret, password, ...).
[[nodiscard]] bool looks_like_inline_secret(std::string_view key);

class TableReader {
 public:
  // key_prefix is prepended to key names in messages ("tls." for [venue.tls]).
  TableReader(const KeyTable& table, std::string context, Problems& problems,
              std::string key_prefix = {});

  [[nodiscard]] bool has(std::string_view key) const noexcept;
  // Marks key as used and returns its value, or nullptr when absent.
  const KeyValue* take(std::string_view key);
  // Reports "missing required key" when absent.
  const KeyValue* take_required(std::string_view key);

  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, bool required = false);
  // Integer within [lo, hi]; reports "<key> must be lo..hi, got v" (plus why).
  std::optional<std::int64_t> integer_in(std::string_view key, std::int64_t lo, std::int64_t hi,
                                         bool required = false, std::string_view why = {});
  // An https:// URL (http:// only to a loopback host, e.g. the simulator):
  // REST bases and the like; a problem naming the key otherwise.
  std::optional<std::string> https_url(std::string_view key);
  // A table's fields or an array's items; nullptr (and a type problem) otherwise.
  const KeyTable* table(std::string_view key, std::string_view how_to_write);
  const std::vector<KeyValue>* array(std::string_view key, bool required = false);

  // Reports every key not taken: inline secrets get their own message, other
  // keys "unknown key 'x'" with a suggestion among the keys asked for.
  void finish();

  void problem(std::string message);  // adds "<context>: message"
  [[nodiscard]] std::string name(std::string_view key) const {
    return key_prefix_ + std::string(key);
  }
  void type_problem(std::string_view key, std::string_view expected, const KeyValue& got);
  [[nodiscard]] const std::string& context() const noexcept { return context_; }
  [[nodiscard]] Problems& problems() noexcept { return problems_; }

 private:
  const KeyTable& table_;
  std::string context_;
  Problems& problems_;
  std::string key_prefix_;
  std::set<std::string, std::less<>> taken_;
  std::set<std::string, std::less<>> asked_;
};

}  // namespace wirebook::config
