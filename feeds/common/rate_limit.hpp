#pragma once
// Venue rate limits (issue 23, "reconnect storms"): a venue documents "at most
// N per window" for connection attempts and for REST calls; its module
// declares that limit (VenueModule::connect_limit / rest_limit) and the daemon
// keeps one token bucket per venue and kind, shared by every connection (each
// SSE stream too) or every REST call of the venue. An attempt that finds the
// bucket empty is delayed until its token is due, never dropped.
//
// Time is the caller's monotonic ns, so tests inject it. No Asio here: the
// sessions and the REST wrapper do the waiting.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "feeds/common/https_client.hpp"

namespace wirebook::feeds {

// "At most `count` per `window_ns`" as a venue documents it; count 0: no limit.
struct WindowLimit {
  std::uint32_t count = 0;
  std::int64_t window_ns = 0;
  [[nodiscard]] bool limited() const noexcept { return count > 0 && window_ns > 0; }
};

// A token bucket: up to `capacity` tokens, one more every `refill_interval_ns`.
// Starts full. Threading: one thread (the venue thread; at start-up the cold
// thread before the venue thread starts). Never allocates.
class TokenBucket {
 public:
  TokenBucket(std::uint32_t capacity, std::int64_t refill_interval_ns,
              std::int64_t now_ns) noexcept;

  // Takes a token if one is there now.
  [[nodiscard]] bool try_take(std::int64_t now_ns) noexcept;
  // When a token will be there (now_ns when one is there already).
  [[nodiscard]] std::int64_t next_available(std::int64_t now_ns) noexcept;
  // Takes the next token, now or in the future: returns when it is due. Later
  // callers queue behind earlier reservations, one refill interval apart, so
  // waiters released together never stampede.
  [[nodiscard]] std::int64_t reserve(std::int64_t now_ns) noexcept;

  [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::int64_t refill_interval_ns() const noexcept { return interval_ns_; }

 private:
  void refill(std::int64_t now_ns) noexcept;

  std::uint32_t capacity_;
  std::int64_t interval_ns_;
  // Tokens in ns of refill (one token = interval_ns_); negative while
  // reservations are outstanding.
  std::int64_t credit_ns_;
  std::int64_t last_ns_;
};

// The bucket that keeps a venue within `limit` in every window even across a
// daemon restart (a new process starts with a full bucket, whatever the old
// one spent). Burst B = max(1, N/4) and R = N - 2B tokens refilled per window
// (one every ceil(W/R)): one process takes at most B + R in any window of
// length W (the full bucket, then the refills), so a window that spans a
// restart sees at most B + B + R = N. R < 1 (N <= 2): one token per window + 1
// ns. N = 1 cannot survive a restart; no venue of ours documents that.
[[nodiscard]] TokenBucket bucket_within(WindowLimit limit, std::int64_t now_ns) noexcept;

// One venue's gate for one kind of traffic: the bucket and how many attempts
// it delayed. reserve_wait_ns() on one thread (as TokenBucket); delayed() from
// any thread (the metrics).
class RateGate {
 public:
  RateGate(WindowLimit limit, std::int64_t now_ns) noexcept;
  // The wait before the next attempt may start (0: now); the attempt's token
  // is taken either way. Counts a delay when the wait is > 0.
  [[nodiscard]] std::int64_t reserve_wait_ns(std::int64_t now_ns) noexcept;
  [[nodiscard]] std::uint64_t delayed() const noexcept {
    return delayed_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] const WindowLimit& limit() const noexcept { return limit_; }

 private:
  WindowLimit limit_;
  TokenBucket bucket_;
  std::atomic<std::uint64_t> delayed_{0};
};

// Runs `open` (a session's connection attempt) now, or arms `timer` (the
// session's retry timer) to run it once `gate` has its token; returns the wait
// in ns (0: opened now) so the session can say why it waits. No gate: now.
template <class Timer, class Open>
std::int64_t open_when_allowed(RateGate* gate, std::int64_t now_ns, Timer& timer, Open open) {
  const std::int64_t wait = gate != nullptr ? gate->reserve_wait_ns(now_ns) : 0;
  if (wait <= 0) {
    open();
    return 0;
  }
  timer.expires_after(std::chrono::nanoseconds(wait));
  timer.async_wait([open](const auto& ec) {
    if (!ec) open();
  });
  return wait;
}

// A RestSource whose every call (start-up lookups and the channels' GETs)
// takes a token from `gate` first. A start-up lookup sleeps until its token
// is due (cold thread, blocking anyway); a channel holds a GET whose token is
// not due yet and hands it on at a later poll() (the feed polls on its timer
// tick), in order. Threading: as the wrapped source; `gate` is used on the
// thread that calls get()/poll().
class RateLimitedRest final : public RestSource {
 public:
  RateLimitedRest(RestSource& inner, RateGate& gate) noexcept : inner_(inner), gate_(gate) {}
  [[nodiscard]] RestResult get(const RestEndpoint& ep, std::string_view target,
                               std::chrono::milliseconds timeout) override;
  [[nodiscard]] std::unique_ptr<RestChannel> channel(const RestEndpoint& ep,
                                                     std::chrono::milliseconds timeout) override;

 private:
  RestSource& inner_;
  RateGate& gate_;
};

}  // namespace wirebook::feeds
