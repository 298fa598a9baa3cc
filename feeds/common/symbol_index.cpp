#include "feeds/common/symbol_index.hpp"

#include <cstring>

namespace wirebook::feeds {

SymbolIndex::SymbolIndex(std::vector<std::string> symbols, std::size_t capacity)
    : capacity_(capacity > symbols.size() ? capacity : symbols.size()),
      symbols_(std::move(symbols)) {
  std::size_t cap = 4;
  while (cap < 2 * capacity_) cap *= 2;
  table_.assign(cap, -1);
  keys_.reserve(capacity_);
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    keys_.push_back(key_of(symbols_[i]));
    if (find(symbols_[i]) < 0) insert(i);
  }
  symbols_.reserve(capacity_);
}

void SymbolIndex::insert(std::size_t i) noexcept {
  std::size_t slot = slot_of(keys_[i]);
  while (table_[slot] >= 0) slot = (slot + 1) & (table_.size() - 1);
  table_[slot] = static_cast<std::int32_t>(i);
}

int SymbolIndex::add(std::string_view symbol) {
  if (const int i = find(symbol); i >= 0) return i;
  if (symbols_.size() >= capacity_) return -1;
  symbols_.emplace_back(symbol);
  keys_.push_back(key_of(symbol));  // reserved: never reallocates
  insert(symbols_.size() - 1);
  return static_cast<int>(symbols_.size() - 1);
}

SymbolIndex::Key SymbolIndex::key_of(std::string_view s) noexcept {
  Key k;
  k.len = s.size();
  if (s.size() >= 8) {
    std::memcpy(&k.head, s.data(), 8);
    std::memcpy(&k.tail, s.data() + s.size() - 8, 8);
  } else if (!s.empty()) {
    std::memcpy(&k.head, s.data(), s.size());
  }
  return k;
}

std::size_t SymbolIndex::slot_of(const Key& k) const noexcept {
  const std::uint64_t h =
      (k.head * 0x9E3779B97F4A7C15ULL) ^ (k.tail * 0xC2B2AE3D27D4EB4FULL) ^ k.len;
  return static_cast<std::size_t>(h ^ (h >> 29U)) & (table_.size() - 1);
}

int SymbolIndex::find(std::string_view symbol) const noexcept {
  const Key k = key_of(symbol);
  for (std::size_t slot = slot_of(k);; slot = (slot + 1) & (table_.size() - 1)) {
    const std::int32_t i = table_[slot];
    if (i < 0) return -1;
    const auto u = static_cast<std::size_t>(i);
    if (keys_[u] == k &&
        (k.len <= 16 || std::memcmp(symbol.data() + 8, symbols_[u].data() + 8, k.len - 16) == 0)) {
      return i;
    }
  }
}

}  // namespace wirebook::feeds
