#pragma once
// A venue module's own options: the module declares them in a table of
// OptionSpec (key, type, default, range, help); the simulator hands it the
// key=value text it was given (`--set <venue>.<key>=<value>`), and
// ModuleOptions checks it against the table. Messages name the key, the venue
// and the rule; unknown keys are rejected. Std only, so the CLI and tests can
// build the text table without knowing any module.
//
// Threading: plain values.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace wirebook::sim {

enum class OptionType : std::uint8_t { integer, number, flag, text };

struct OptionSpec {
  std::string_view key;
  OptionType type = OptionType::integer;
  std::string_view default_value;  // as it would be written after `=`
  double min = 0;                  // integer and number: inclusive range
  double max = 0;
  std::string_view help;
};

// Given option text of one venue: key -> value.
using OptionTable = std::map<std::string, std::string, std::less<>>;

// The rule a value must follow: "an integer in 1..3600000", "a number in
// 0..1", "true or false", "any text".
[[nodiscard]] std::string describe_rule(const OptionSpec& spec);

// Every option of one module, validated and typed: given values over defaults.
class ModuleOptions {
 public:
  // Throws std::invalid_argument on an unknown key or a value that breaks its rule.
  ModuleOptions(std::string_view venue, std::span<const OptionSpec> specs,
                const OptionTable& given);

  // The value of a declared key of that type; asking otherwise is a module bug (std::logic_error).
  [[nodiscard]] std::int64_t integer(std::string_view key) const;
  [[nodiscard]] double number(std::string_view key) const;
  [[nodiscard]] bool flag(std::string_view key) const;
  [[nodiscard]] const std::string& text(std::string_view key) const;

 private:
  struct Value {
    OptionType type = OptionType::text;
    double number = 0;  // integer, number and flag (0/1)
    std::string text;
  };
  [[nodiscard]] const Value& get(std::string_view key, OptionType type) const;

  std::string venue_;
  std::map<std::string, Value, std::less<>> values_;
};

}  // namespace wirebook::sim
