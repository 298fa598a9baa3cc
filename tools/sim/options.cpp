#include "tools/sim/options.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace wirebook::sim {

namespace {

std::string number_text(double v) {
  char buf[32];
  const bool whole = v == std::floor(v) && std::fabs(v) < 1e15;
  const auto r = whole ? std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v))
                       : std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

template <class T>
bool parse_whole(std::string_view text, T& out) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc{} && r.ptr == text.data() + text.size() && !text.empty();
}

// The value of `text` under `spec`'s rule, or false when it breaks the rule.
bool convert(const OptionSpec& spec, std::string_view text, double& out) {
  switch (spec.type) {
    case OptionType::integer: {
      std::int64_t v = 0;
      if (!parse_whole(text, v)) return false;
      out = static_cast<double>(v);
      return out >= spec.min && out <= spec.max;
    }
    case OptionType::number:
      return parse_whole(text, out) && std::isfinite(out) && out >= spec.min && out <= spec.max;
    case OptionType::flag:
      if (text != "true" && text != "false") return false;
      out = text == "true" ? 1 : 0;
      return true;
    case OptionType::text:
      return true;
  }
  return false;
}

std::string known_keys(std::string_view venue, std::span<const OptionSpec> specs) {
  if (specs.empty()) return std::string(venue) + " has no options";
  std::string out = std::string(venue) + " options:";
  for (const OptionSpec& s : specs) {
    out += out.back() == ':' ? " " : ", ";
    out += s.key;
  }
  return out;
}

}  // namespace

std::string describe_rule(const OptionSpec& spec) {
  switch (spec.type) {
    case OptionType::integer:
      return "an integer in " + number_text(spec.min) + ".." + number_text(spec.max);
    case OptionType::number:
      return "a number in " + number_text(spec.min) + ".." + number_text(spec.max);
    case OptionType::flag:
      return "true or false";
    case OptionType::text:
      return "any text";
  }
  return "?";
}

ModuleOptions::ModuleOptions(std::string_view venue, std::span<const OptionSpec> specs,
                             const OptionTable& given)
    : venue_(venue) {
  for (const auto& [key, text] : given) {
    bool known = false;
    for (const OptionSpec& s : specs) known = known || s.key == key;
    if (!known)
      throw std::invalid_argument("unknown option " + venue_ + "." + key + " (" +
                                  known_keys(venue, specs) + ")");
  }
  for (const OptionSpec& s : specs) {
    const auto it = given.find(s.key);
    const std::string_view text =
        it == given.end() ? s.default_value : std::string_view(it->second);
    Value v{s.type, 0, std::string(text)};
    if (!convert(s, text, v.number))
      throw std::invalid_argument("option " + venue_ + "." + std::string(s.key) + " must be " +
                                  describe_rule(s) + ", got '" + std::string(text) + "'");
    values_.emplace(std::string(s.key), std::move(v));
  }
}

const ModuleOptions::Value& ModuleOptions::get(std::string_view key, OptionType type) const {
  const auto it = values_.find(key);
  if (it == values_.end() || it->second.type != type)
    throw std::logic_error("venue module " + venue_ + " reads undeclared option " +
                           std::string(key));
  return it->second;
}

std::int64_t ModuleOptions::integer(std::string_view key) const {
  return static_cast<std::int64_t>(get(key, OptionType::integer).number);
}

double ModuleOptions::number(std::string_view key) const {
  return get(key, OptionType::number).number;
}

bool ModuleOptions::flag(std::string_view key) const {
  return get(key, OptionType::flag).number != 0;
}

const std::string& ModuleOptions::text(std::string_view key) const {
  return get(key, OptionType::text).text;
}

}  // namespace wirebook::sim
