// The venue-neutral token bucket (feeds/common/rate_limit.hpp) and the
// bucket shape that keeps a venue within its documented window limit across a
// daemon restart. Time is injected: every test is deterministic.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "feeds/common/clock.hpp"
#include "feeds/common/rate_limit.hpp"

using wirebook::feeds::bucket_within;
using wirebook::feeds::RateGate;
using wirebook::feeds::TokenBucket;
using wirebook::feeds::WindowLimit;

namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kS = 1'000 * kMs;

// The most events in any closed window [t, t + window] of sorted `times`.
std::size_t max_in_window(const std::vector<std::int64_t>& times, std::int64_t window) {
  std::size_t best = 0;
  std::size_t lo = 0;
  for (std::size_t hi = 0; hi < times.size(); ++hi) {
    while (times[hi] - times[lo] > window) ++lo;
    best = std::max(best, hi - lo + 1);
  }
  return best;
}

// A caller that takes a token whenever one is there, every `step` ns.
void greedy(TokenBucket& b, std::int64_t from, std::int64_t until, std::int64_t step,
            std::vector<std::int64_t>& taken) {
  for (std::int64_t t = from; t <= until; t += step) {
    while (b.try_take(t)) taken.push_back(t);
  }
}

}  // namespace

TEST_CASE("a full bucket gives its capacity at once, then one token per refill interval",
          "[feeds][rate_limit]") {
  TokenBucket b(3, 100 * kMs, 0);
  CHECK(b.try_take(0));
  CHECK(b.try_take(0));
  CHECK(b.try_take(0));
  CHECK_FALSE(b.try_take(0));
  CHECK(b.next_available(0) == 100 * kMs);
  CHECK_FALSE(b.try_take(99 * kMs));
  CHECK(b.next_available(99 * kMs) == 100 * kMs);
  CHECK(b.try_take(100 * kMs));
  CHECK_FALSE(b.try_take(150 * kMs));
}

TEST_CASE("an idle bucket refills to its capacity and no further", "[feeds][rate_limit]") {
  TokenBucket b(2, 10 * kMs, 0);
  REQUIRE(b.try_take(0));
  REQUIRE(b.try_take(0));
  int taken = 0;
  while (b.try_take(10 * kS)) ++taken;
  CHECK(taken == 2);
  CHECK(b.next_available(10 * kS) == 10 * kS + 10 * kMs);
}

TEST_CASE("reservations queue one refill interval apart and delay later callers",
          "[feeds][rate_limit]") {
  TokenBucket b(2, 50 * kMs, 0);
  CHECK(b.reserve(0) == 0);
  CHECK(b.reserve(0) == 0);
  CHECK(b.reserve(0) == 50 * kMs);
  CHECK(b.reserve(0) == 100 * kMs);
  CHECK(b.reserve(10 * kMs) == 150 * kMs);
  // Nothing is there before the last reservation is served plus one interval.
  CHECK_FALSE(b.try_take(150 * kMs));
  CHECK(b.next_available(150 * kMs) == 200 * kMs);
  CHECK(b.try_take(200 * kMs));
}

TEST_CASE("a clock read older than the bucket's last one takes no credit away",
          "[feeds][rate_limit]") {
  TokenBucket b(1, 100 * kMs, 1 * kS);
  REQUIRE(b.try_take(1 * kS));
  CHECK_FALSE(b.try_take(500 * kMs));
  CHECK(b.try_take(1 * kS + 100 * kMs));
}

TEST_CASE("the bucket shape: burst N/4, N - 2 x burst refills per window", "[feeds][rate_limit]") {
  const TokenBucket b = bucket_within({200, 60 * kS}, 0);  // OX.FUN: 200 per minute
  CHECK(b.capacity() == 50);
  CHECK(b.refill_interval_ns() == 600 * kMs);  // 100 per minute
  const TokenBucket small = bucket_within({2, 1 * kS}, 0);
  CHECK(small.capacity() == 1);
  CHECK(small.refill_interval_ns() > 1 * kS);  // no refill within one window
  const TokenBucket three = bucket_within({3, 1 * kS}, 0);
  CHECK(three.capacity() == 1);
  CHECK(three.refill_interval_ns() == 1 * kS);
}

TEST_CASE("greedy callers stay within the window limit, across a restart with a full bucket",
          "[feeds][rate_limit]") {
  for (const WindowLimit limit :
       {WindowLimit{2, 1 * kS}, WindowLimit{3, 1 * kS}, WindowLimit{10, 1 * kS},
        WindowLimit{7, 3 * kS}, WindowLimit{300, 60 * kS}, WindowLimit{200, 60 * kS}}) {
    CAPTURE(limit.count, limit.window_ns);
    for (const std::int64_t restart_at :
         {std::int64_t{0}, limit.window_ns / 3, limit.window_ns * 5 / 2, limit.window_ns * 7}) {
      CAPTURE(restart_at);
      std::vector<std::int64_t> taken;
      const std::int64_t step = std::max<std::int64_t>(1, limit.window_ns / 997);
      TokenBucket first = bucket_within(limit, 0);
      greedy(first, 0, restart_at, step, taken);
      // The restarted daemon's bucket starts full, whatever the first one spent.
      TokenBucket second = bucket_within(limit, restart_at + step);
      greedy(second, restart_at + step, restart_at + 4 * limit.window_ns, step, taken);
      CHECK(max_in_window(taken, limit.window_ns) <= limit.count);
      // The bucket is not needlessly tight: over a long run it gives at least
      // (N - 2 x burst) per window.
      const std::size_t burst = std::max<std::uint32_t>(1, limit.count / 4);
      CHECK(taken.size() >= burst + 3 * (limit.count - 2 * burst));
    }
  }
}

TEST_CASE("a gate counts the attempts it delays; an unlimited gate never waits",
          "[feeds][rate_limit]") {
  RateGate gate({3, 1 * kS}, 0);  // burst 1, a token every second
  CHECK(gate.reserve_wait_ns(0) == 0);
  CHECK(gate.reserve_wait_ns(0) == 1 * kS);
  CHECK(gate.reserve_wait_ns(500 * kMs) == 1500 * kMs);
  CHECK(gate.delayed() == 2);
  RateGate open({}, 0);
  for (int i = 0; i < 100; ++i) CHECK(open.reserve_wait_ns(0) == 0);
  CHECK(open.delayed() == 0);
}

namespace {

// A REST source that records the GETs its channels are handed, in order.
class FakeRest final : public wirebook::feeds::RestSource {
 public:
  class Channel final : public wirebook::feeds::RestChannel {
   public:
    explicit Channel(std::vector<std::uint64_t>& sent) : sent_(sent) {}
    bool get(std::string_view /*target*/, std::uint64_t tag) override {
      sent_.push_back(tag);
      return true;
    }
    void poll(wirebook::feeds::RestReplies& /*replies*/, std::int64_t /*rt*/,
              std::int64_t /*mono*/) noexcept override {}

   private:
    std::vector<std::uint64_t>& sent_;
  };
  wirebook::feeds::RestResult get(const wirebook::feeds::RestEndpoint& /*ep*/,
                                  std::string_view /*target*/,
                                  std::chrono::milliseconds /*timeout*/) override {
    ++lookups;
    return {200, "{}", {}};
  }
  std::unique_ptr<wirebook::feeds::RestChannel> channel(
      const wirebook::feeds::RestEndpoint& /*ep*/, std::chrono::milliseconds /*timeout*/) override {
    return std::make_unique<Channel>(sent);
  }
  std::vector<std::uint64_t> sent;
  int lookups = 0;
};

class NoReplies final : public wirebook::feeds::RestReplies {
 public:
  void on_rest_reply(std::uint64_t /*tag*/, int /*status*/, const char* /*data*/,
                     std::size_t /*len*/, std::size_t /*capacity*/, std::int64_t /*rt*/,
                     std::int64_t /*mono*/) noexcept override {}
};

}  // namespace

TEST_CASE("a rate-limited REST channel holds GETs past the bucket and hands them on in order",
          "[feeds][rate_limit]") {
  // Burst 1, then a token every 1 s (3 per 1 s window: 3 - 2 x 1 refills).
  const auto started = std::chrono::steady_clock::now();  // before the gate's clock read
  RateGate gate({3, 1 * kS}, wirebook::feeds::monotonic_ns());
  FakeRest inner;
  wirebook::feeds::RateLimitedRest rest(inner, gate);
  auto channel = rest.channel({}, std::chrono::milliseconds(100));
  NoReplies replies;
  REQUIRE(channel->get("/a", 1));
  REQUIRE(channel->get("/b", 2));
  REQUIRE(channel->get("/c", 3));
  channel->poll(replies, 0, 0);
  CHECK(inner.sent == std::vector<std::uint64_t>{1});  // the burst; the rest wait
  CHECK(gate.delayed() == 2);
  while (inner.sent.size() < 3 && std::chrono::steady_clock::now() - started < 30s) {
    std::this_thread::sleep_for(20ms);
    channel->poll(replies, 0, 0);
  }
  CHECK(inner.sent == std::vector<std::uint64_t>{1, 2, 3});  // delayed, never dropped
  CHECK(std::chrono::steady_clock::now() - started >= 2s);   // one token a second
  // A start-up lookup takes from the same bucket and waits for its token (the
  // next is due a second after the last one handed on): a fourth delay.
  CHECK(rest.get({}, "/markets", std::chrono::milliseconds(100)).status == 200);
  CHECK(inner.lookups == 1);
  CHECK(gate.delayed() == 3);
  CHECK(std::chrono::steady_clock::now() - started >= 3s);
}
