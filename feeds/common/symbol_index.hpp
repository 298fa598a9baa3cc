#pragma once
// Venue symbol -> instrument index, with one hash probe per lookup (the per
// frame path): the key is the length and the first and last 8 bytes, which
// for symbols of up to 16 bytes is the whole symbol (longer ones compare the
// middle too). Open addressing in a power-of-two table at most half full.
//
// Threading: built at start-up; find() is const, allocation-free and may be
// called from the venue thread. add() (symbols learnt while running, e.g.
// position instruments) allocates only the new symbol's text: the table is
// sized for `capacity` symbols up front.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wirebook::feeds {

class SymbolIndex {
 public:
  // Duplicate symbols keep the first index. `capacity`: how many symbols
  // the index may hold in all, add() included (at least symbols.size()).
  explicit SymbolIndex(std::vector<std::string> symbols, std::size_t capacity = 0);

  // Index of `symbol`, added when absent; -1 when the index already holds
  // `capacity` symbols. Throws std::bad_alloc only.
  [[nodiscard]] int add(std::string_view symbol);

  // Index of `symbol`, or -1.
  [[nodiscard]] int find(std::string_view symbol) const noexcept;
  [[nodiscard]] const std::string& symbol(std::uint32_t i) const noexcept { return symbols_[i]; }
  [[nodiscard]] std::size_t size() const noexcept { return symbols_.size(); }

 private:
  struct Key {
    std::uint64_t head = 0;  // first 8 bytes (zero-padded when shorter)
    std::uint64_t tail = 0;  // last 8 bytes (zero when shorter than 8)
    std::size_t len = 0;
    bool operator==(const Key&) const = default;
  };
  [[nodiscard]] static Key key_of(std::string_view s) noexcept;
  [[nodiscard]] std::size_t slot_of(const Key& k) const noexcept;
  void insert(std::size_t i) noexcept;

  std::size_t capacity_;
  std::vector<std::string> symbols_;
  std::vector<Key> keys_;            // per instrument
  std::vector<std::int32_t> table_;  // instrument index or -1
};

}  // namespace wirebook::feeds
