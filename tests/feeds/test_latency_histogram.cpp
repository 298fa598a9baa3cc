#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>

#include "feeds/common/venue_books.hpp"

using wirebook::feeds::LatencyHistogram;

TEST_CASE("latency buckets: every bound sits between two adjacent buckets") {
  constexpr std::size_t kFinite = LatencyHistogram::kBuckets - 1;
  std::int64_t previous = 0;
  for (std::size_t i = 0; i < kFinite; ++i) {
    const std::int64_t upper = LatencyHistogram::upper_bound_ns(i);
    INFO("bucket " << i << " upper bound " << upper);
    REQUIRE(upper > previous);
    CHECK(LatencyHistogram::bucket_of(upper - 1) == i);
    CHECK(LatencyHistogram::bucket_of(upper) == i + 1);
    CHECK(LatencyHistogram::bucket_of(previous) == i);
    previous = upper;
  }
  CHECK(previous == std::int64_t{1} << 25);
  CHECK(LatencyHistogram::bucket_of(std::int64_t{1} << 40) == kFinite);
}

TEST_CASE("latency buckets: 16 ns below 256 ns, then 16 per power of two") {
  CHECK(LatencyHistogram::kBuckets == 16 + 17 * 16 + 1);
  CHECK(LatencyHistogram::bucket_of(-5) == 0);
  CHECK(LatencyHistogram::bucket_of(0) == 0);
  CHECK(LatencyHistogram::bucket_of(15) == 0);
  CHECK(LatencyHistogram::bucket_of(16) == 1);
  CHECK(LatencyHistogram::bucket_of(255) == 15);
  CHECK(LatencyHistogram::upper_bound_ns(16) == 272);  // [256, 272)
  // 1,000 ns lies in [992, 1024): the octave 512..1023 in 32 ns steps.
  const std::size_t b = LatencyHistogram::bucket_of(1000);
  CHECK(LatencyHistogram::upper_bound_ns(b) == 1024);
  CHECK(LatencyHistogram::upper_bound_ns(b - 1) == 992);
  // Relative width never above 1/16 past the linear part.
  for (std::size_t i = 17; i + 1 < LatencyHistogram::kBuckets; ++i) {
    const auto lo = LatencyHistogram::upper_bound_ns(i - 1);
    const auto hi = LatencyHistogram::upper_bound_ns(i);
    CHECK((hi - lo) * 16 <= lo);
  }
}
