#pragma once
// The venue-neutral vocabulary between feed parsers and books (DESIGN.md §1).
// Plain values; trivially copyable so they can sit in preallocated arrays.
#include <cstdint>
#include <type_traits>

namespace wirebook::book {

enum class Side : std::uint8_t { bid = 0, ask = 1 };

[[nodiscard]] constexpr Side opposite(Side s) noexcept {
  return s == Side::bid ? Side::ask : Side::bid;
}

// Flags on a book operation. SNAPSHOT: the op belongs to a full-book
// replacement batch; LAST: the final op of a batch (a frame), after which the
// book is consistent and may be published (as nautilus_trader marks deltas).
enum OpFlags : std::uint8_t {
  kOpNone = 0,
  kOpSnapshot = 1U << 0U,
  kOpLast = 1U << 1U,
};

// One price level: fixed-point price and absolute quantity at the book's exponents.
struct Level {
  std::int64_t px;
  std::int64_t qty;
  friend constexpr bool operator==(const Level&, const Level&) = default;
};

// One level change. `qty` is the absolute new size at `px`; zero deletes.
struct BookOp {
  std::uint32_t instrument;
  Side side;
  std::uint8_t flags;  // OpFlags
  std::int64_t px;
  std::int64_t qty;
  std::int64_t ts_exchange_ns;
  std::int64_t ts_recv_ns;
};

static_assert(std::is_trivially_copyable_v<Level>);
static_assert(std::is_trivially_copyable_v<BookOp>);
static_assert(sizeof(Level) == 16);
static_assert(sizeof(BookOp) == 40);

}  // namespace wirebook::book
