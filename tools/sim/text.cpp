#include "tools/sim/text.hpp"

#include <charconv>
#include <cstdio>

#include "book/decimal.hpp"

namespace wirebook::sim {

std::string decimal_text(std::int64_t value, int exp) {
  char buf[book::kMaxDecimalText];
  const std::size_t n = book::format_decimal(value, exp, buf, sizeof buf);
  return {buf, n};
}

std::string to_exponent_form(std::string_view canonical) {
  std::string_view s = canonical;
  std::string sign;
  if (!s.empty() && s.front() == '-') {
    sign = "-";
    s.remove_prefix(1);
  }
  const std::size_t dot = s.find('.');
  std::string digits;  // all significant digits
  int point_pos = 0;   // digits before the decimal point
  if (dot == std::string_view::npos) {
    digits = std::string(s);
    point_pos = static_cast<int>(s.size());
  } else {
    digits = std::string(s.substr(0, dot)) + std::string(s.substr(dot + 1));
    point_pos = static_cast<int>(dot);
  }
  std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return "0e0";
  const int exponent = point_pos - static_cast<int>(first) - 1;
  digits = digits.substr(first);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = sign;
  out += digits[0];
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1, std::string::npos);
  }
  out += 'e';
  out += std::to_string(exponent);
  return out;
}

void append_decimal(std::string& out, std::int64_t value, int exp, NumberStyle style) {
  char buf[book::kMaxDecimalText];
  const std::size_t n = book::format_decimal(value, exp, buf, sizeof buf);
  const std::string_view text(buf, n);
  switch (style) {
    case NumberStyle::canonical:
      out.append(text);
      return;
    case NumberStyle::float_like:
      out.append(text);
      if (text.find('.') == std::string_view::npos) out.append(".0");
      return;
    case NumberStyle::exponent:
      out.append(to_exponent_form(text));
      return;
  }
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace wirebook::sim
