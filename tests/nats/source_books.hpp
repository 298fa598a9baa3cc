#pragma once
// Self-checking books and positions for the bridge/mirror tests and bench:
// every book's levels and exponents are a pure function of (venue,
// instrument, version), every position's fields one of (venue, position,
// version), so any reader can tell at any moment whether a LIVE book or a
// known position it sees is a state the source really published.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <wirebook/shm_layout.hpp>

namespace wirebook::nats_test {

struct SourceVenue {
  const char* name;
  std::vector<std::string> symbols;
  std::uint32_t depth;
};

inline std::vector<SourceVenue> source_venues() {
  return {{"alpha", {"A-BTC", "A-ETH", "A-SOL", "A-XRP"}, 8}, {"beta", {"B-BTC", "B-ETH"}, 5}};
}

inline std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

// Exponents change every 300 versions (a widening at the source).
inline std::int8_t px_exp_of(std::uint64_t version) noexcept {
  return (version / 300) % 2 == 0 ? std::int8_t{-2} : std::int8_t{-3};
}
inline constexpr std::int8_t kQtyExp = -8;

struct Levels {
  std::vector<shm::Level> bids, asks;
  bool operator==(const Levels& o) const {
    const auto same = [](const std::vector<shm::Level>& a, const std::vector<shm::Level>& b) {
      return std::equal(
          a.begin(), a.end(), b.begin(), b.end(),
          [](const shm::Level& x, const shm::Level& y) { return x.px == y.px && x.qty == y.qty; });
    };
    return same(bids, o.bids) && same(asks, o.asks);
  }
};

// The book of (venue v, instrument i) at `version`: 0..depth+2 levels per
// side (more than the slot holds at times), prices around 1000.00.
inline Levels levels_of(std::uint32_t v, std::uint32_t i, std::uint64_t version,
                        std::uint32_t depth) {
  Levels out;
  const std::int64_t scale = px_exp_of(version) == -3 ? 10 : 1;
  std::uint64_t h =
      mix((static_cast<std::uint64_t>(v) << 48U) ^ (std::uint64_t{i} << 32U) ^ version);
  const auto n_bids = static_cast<std::uint32_t>(h % (depth + 3));
  const auto n_asks = static_cast<std::uint32_t>((h >> 8U) % (depth + 3));
  const std::int64_t mid = 100000 + static_cast<std::int64_t>((h >> 16U) % 200);
  std::int64_t px = mid - 1;
  for (std::uint32_t k = 0; k < n_bids; ++k) {
    h = mix(h);
    px -= 1 + static_cast<std::int64_t>(h % 3);
    out.bids.push_back(shm::Level{px * scale, 1 + static_cast<std::int64_t>((h >> 8U) % 100000)});
  }
  px = mid + 1;
  for (std::uint32_t k = 0; k < n_asks; ++k) {
    h = mix(h);
    px += 1 + static_cast<std::int64_t>(h % 3);
    out.asks.push_back(shm::Level{px * scale, 1 + static_cast<std::int64_t>((h >> 8U) % 100000)});
  }
  return out;
}

// What a slot of `depth` shows of levels_of().
inline Levels top_of(const Levels& l, std::uint32_t depth) {
  Levels t;
  t.bids.assign(l.bids.begin(), l.bids.begin() + std::min<std::size_t>(depth, l.bids.size()));
  t.asks.assign(l.asks.begin(), l.asks.begin() + std::min<std::size_t>(depth, l.asks.size()));
  return t;
}

// Account positions of venue v: their instruments (not the book symbols; a
// slot is assigned at an instrument's first publication, as the daemon's
// VenuePositions does) and each publication's fields as a pure function of
// (venue, position, version), where version is the slot's update count.
inline std::vector<std::string> position_names(std::uint32_t v) {
  if (v == 0) return {"A-BTC-PERP", "A-ETH-PERP", "A-SOL-PERP"};
  return {"B-BTC-PERP", "B-ETH-PERP"};
}

// Index of `instrument` in position_names(v), or -1.
inline int position_index(std::uint32_t v, std::string_view instrument) {
  const auto names = position_names(v);
  const auto at = std::find(names.begin(), names.end(), instrument);
  return at == names.end() ? -1 : static_cast<int>(at - names.begin());
}

// Quantity always known (0 every 5th version: flat), the other fields known
// or not by the hash, each with its own exponent.
inline shm::Position position_of(std::uint32_t v, std::uint32_t p, std::uint64_t version) {
  shm::Position out;
  const std::string name = position_names(v)[p];
  std::copy(name.begin(), name.end(), out.instrument);
  std::uint64_t h =
      mix((static_cast<std::uint64_t>(v + 7) << 48U) ^ (std::uint64_t{p} << 32U) ^ version);
  out.known = static_cast<std::uint16_t>((h & 0x3EU) | 1U);
  for (std::size_t f = 0; f < shm::kPositionFields; ++f) {
    if ((out.known & (1U << f)) == 0) continue;
    h = mix(h);
    out.exp[f] = static_cast<std::int8_t>(-static_cast<int>(h % 9));
    out.value[f] = static_cast<std::int64_t>((h >> 8U) % 2'000'000'000) - 1'000'000'000;
  }
  if (version % 5 == 0) out.value[0] = 0;
  out.update_count = version;
  return out;
}

// True when the known fields of `got` are those of position_of(v, p, version).
inline bool same_fields(const shm::Position& got, const shm::Position& want) {
  if (got.known != want.known) return false;
  for (std::size_t f = 0; f < shm::kPositionFields; ++f) {
    if ((want.known & (1U << f)) == 0) continue;
    if (got.exp[f] != want.exp[f] || got.value[f] != want.value[f]) return false;
  }
  return true;
}

}  // namespace wirebook::nats_test
