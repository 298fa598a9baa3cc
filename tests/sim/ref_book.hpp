#pragma once
// Test-side reference books, built by a path independent of the simulator's
// generator and of book/: decimal text is parsed here (exactly, at a fixed
// 10^-10 scale) and books are plain std::maps.
#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wirebook::simtest {

inline constexpr int kScaleDigits = 10;

// Parses JSON number text ("56749.15", "2.5e4", "1054.0", "1.423e-4") exactly
// into value * 10^-10. False on garbage, negatives or lost precision.
inline bool parse_scaled(std::string_view t, std::int64_t& out) {
  while (!t.empty() &&
         (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' || t.back() == '\t'))
    t.remove_suffix(1);
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
  std::string digits;
  int exp10 = 0;
  std::size_t i = 0;
  bool seen_point = false;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    if (c >= '0' && c <= '9') {
      digits += c;
      if (seen_point) --exp10;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return false;
  if (i < t.size()) {
    if (t[i] != 'e' && t[i] != 'E') return false;
    ++i;
    bool neg = false;
    if (i < t.size() && (t[i] == '-' || t[i] == '+')) neg = t[i++] == '-';
    if (i == t.size()) return false;
    int e = 0;
    for (; i < t.size(); ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      e = e * 10 + (t[i] - '0');
    }
    exp10 += neg ? -e : e;
  }
  int shift = exp10 + kScaleDigits;  // digits * 10^shift at our scale
  while (shift < 0) {
    if (digits.back() != '0') return false;
    digits.pop_back();
    ++shift;
    if (digits.empty()) digits.push_back('0');
  }
  digits.append(static_cast<std::size_t>(shift), '0');
  std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    out = 0;
    return true;
  }
  digits = digits.substr(first);
  if (digits.size() > 18) return false;
  out = std::stoll(digits);
  return true;
}

// Canonical text (DESIGN.md §7) of a scaled value.
inline std::string scaled_text(std::int64_t v) {
  std::string s = std::to_string(v);
  if (s.size() <= static_cast<std::size_t>(kScaleDigits))
    s = std::string(static_cast<std::size_t>(kScaleDigits) + 1 - s.size(), '0') + s;
  std::string ip = s.substr(0, s.size() - kScaleDigits);
  std::string fp = s.substr(s.size() - kScaleDigits);
  while (!fp.empty() && fp.back() == '0') fp.pop_back();
  return fp.empty() ? ip : ip + "." + fp;
}

using Levels = std::vector<std::pair<std::string, std::string>>;

struct RefBook {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  void clear() {
    bids.clear();
    asks.clear();
  }
  void set(bool bid, std::int64_t px, std::int64_t qty) {
    if (bid) {
      if (qty == 0)
        bids.erase(px);
      else
        bids[px] = qty;
    } else {
      if (qty == 0)
        asks.erase(px);
      else
        asks[px] = qty;
    }
  }
  template <class M>
  static Levels text(const M& m) {
    Levels out;
    for (const auto& [p, q] : m) out.emplace_back(scaled_text(p), scaled_text(q));
    return out;
  }
  [[nodiscard]] Levels bid_text() const { return text(bids); }
  [[nodiscard]] Levels ask_text() const { return text(asks); }
};

struct TruthBook {
  Levels bids;
  Levels asks;
};

// venue -> symbol -> book, from the simulator's truth lines.
inline std::map<std::string, std::map<std::string, TruthBook>> parse_truth(
    const std::string& text) {
  std::map<std::string, std::map<std::string, TruthBook>> out;
  simdjson::dom::parser parser;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    simdjson::dom::element doc = parser.parse(line);
    TruthBook b;
    for (const char* side : {"bids", "asks"}) {
      for (simdjson::dom::element lv : doc[side].get_array()) {
        simdjson::dom::array a = lv.get_array();
        (std::string_view(side) == "bids" ? b.bids : b.asks)
            .emplace_back(std::string(a.at(0).get_string().value()),
                          std::string(a.at(1).get_string().value()));
      }
    }
    out[std::string(doc["venue"].get_string().value())]
       [std::string(doc["symbol"].get_string().value())] = b;
  }
  return out;
}

}  // namespace wirebook::simtest
