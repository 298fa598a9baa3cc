// The feed latency window (feeds/common/feed_latency.hpp): buckets, quantiles
// over the last ten seconds, old seconds leaving the window, clocks ahead.
#include <catch2/catch.hpp>

#include "feeds/common/feed_latency.hpp"

using wirebook::feeds::FeedLatency;

namespace {
constexpr std::int64_t kSec = 1'000'000'000;
constexpr std::int64_t kMs = 1'000'000;
}  // namespace

TEST_CASE("feed latency buckets are contiguous and at most 6.25 % wide", "[feeds][feed_latency]") {
  CHECK(FeedLatency::bucket_of(-5) == 0);
  CHECK(FeedLatency::bucket_of(1023) == 0);
  CHECK(FeedLatency::bucket_of(1024) == 1);
  CHECK(FeedLatency::bucket_of(std::int64_t{1} << 40) == FeedLatency::kBuckets - 1);
  for (std::size_t i = 1; i + 1 < FeedLatency::kBuckets; ++i) {
    const std::int64_t lo = FeedLatency::upper_bound_ns(i - 1);
    const std::int64_t hi = FeedLatency::upper_bound_ns(i);
    INFO("bucket " << i);
    REQUIRE(FeedLatency::bucket_of(lo) == i);
    REQUIRE(FeedLatency::bucket_of(hi - 1) == i);
    REQUIRE(static_cast<double>(hi - lo) <= 0.0625 * static_cast<double>(lo) + 1);
  }
}

TEST_CASE("p50 and p99 cover the last ten seconds; older seconds leave the window",
          "[feeds][feed_latency]") {
  FeedLatency f;
  FeedLatency::Quantiles q;
  std::int64_t now = 5 * kSec;
  CHECK_FALSE(f.roll(now, q));  // starts the clock
  for (int k = 0; k < 98; ++k) f.add(2 * kMs);
  f.add(50 * kMs);
  f.add(-3 * kMs);  // the venue's clock ahead of ours
  CHECK_FALSE(f.roll(now + kSec / 2, q));
  REQUIRE(f.roll(now += kSec, q));
  CHECK(q.samples == 100);
  CHECK(q.ahead == 1);
  CHECK(q.p50_ns >= 2 * kMs);
  CHECK(q.p50_ns <= 2 * kMs + 2 * kMs / 16);
  CHECK(q.p99_ns >= 2 * kMs);  // the 99th of 100 samples: still 2 ms
  CHECK(q.p99_ns < 50 * kMs);
  f.add(50 * kMs);
  f.add(50 * kMs);
  REQUIRE(f.roll(now += kSec, q));
  CHECK(q.samples == 102);
  CHECK(q.p99_ns >= 50 * kMs);  // rank 101 of 102
  for (int s = 0; s < 9; ++s) REQUIRE(f.roll(now += kSec, q));
  CHECK(q.samples == 2);  // the first second (100 samples) left the window
  CHECK(q.ahead == 0);
  CHECK(q.p50_ns >= 50 * kMs);
  REQUIRE(f.roll(now += kSec, q));
  CHECK(q.samples == 0);
  CHECK(q.p50_ns == 0);
}
