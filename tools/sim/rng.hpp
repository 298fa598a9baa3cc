#pragma once
// Deterministic pseudo-random numbers for the simulator (splitmix64 seeding,
// xoshiro256** stream). Own implementation rather than <random> distributions,
// whose outputs are implementation-defined: the truth for a seed must be the
// same on every build.
//
// Threading: a value type; one owner.
#include <cstdint>
#include <string_view>

namespace wirebook::sim {

__extension__ using Uint128 = unsigned __int128;

[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  state += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

// Mixes a seed with a name (venue, symbol) into an independent sub-seed.
[[nodiscard]] constexpr std::uint64_t derive_seed(std::uint64_t seed,
                                                  std::string_view name) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a over the name
  for (char c : name) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  std::uint64_t s = seed ^ h;
  return splitmix64(s);
}

class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed) noexcept {
    std::uint64_t s = seed;
    for (auto& w : s_) w = splitmix64(s);
  }

  constexpr std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17U;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); n > 0. Lemire's multiply-shift (bias below 2^-64 * n).
  constexpr std::uint64_t below(std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>((static_cast<Uint128>(next()) * n) >> 64U);
  }
  // Uniform in [lo, hi].
  constexpr std::int64_t range(std::int64_t lo, std::int64_t hi) noexcept {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  // Uniform in [0, 1).
  constexpr double unit() noexcept { return static_cast<double>(next() >> 11U) * 0x1.0p-53; }
  constexpr bool chance(double p) noexcept { return p > 0.0 && unit() < p; }
  // Geometric-ish index concentrated near 0: P(k) ~ (1-p)^k p, capped at n-1.
  constexpr std::uint64_t near_zero(std::uint64_t n, double p) noexcept {
    std::uint64_t k = 0;
    while (k + 1 < n && !chance(p)) ++k;
    return k;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << static_cast<unsigned>(k)) | (x >> static_cast<unsigned>(64 - k));
  }
  std::uint64_t s_[4]{};
};

}  // namespace wirebook::sim
