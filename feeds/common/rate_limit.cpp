#include "feeds/common/rate_limit.hpp"

#include <algorithm>
#include <deque>
#include <string>
#include <thread>

#include "feeds/common/clock.hpp"

namespace wirebook::feeds {

TokenBucket::TokenBucket(std::uint32_t capacity, std::int64_t refill_interval_ns,
                         std::int64_t now_ns) noexcept
    : capacity_(std::max<std::uint32_t>(capacity, 1)),
      interval_ns_(std::max<std::int64_t>(refill_interval_ns, 1)),
      credit_ns_(std::int64_t{capacity_} * interval_ns_),
      last_ns_(now_ns) {}

void TokenBucket::refill(std::int64_t now_ns) noexcept {
  // A clock read earlier than the last one (another caller's older `now`)
  // adds nothing rather than taking credit away.
  if (now_ns <= last_ns_) return;
  const std::int64_t full = std::int64_t{capacity_} * interval_ns_;
  credit_ns_ = std::min(full, credit_ns_ + (now_ns - last_ns_));
  last_ns_ = now_ns;
}

bool TokenBucket::try_take(std::int64_t now_ns) noexcept {
  refill(now_ns);
  if (credit_ns_ < interval_ns_) return false;
  credit_ns_ -= interval_ns_;
  return true;
}

std::int64_t TokenBucket::next_available(std::int64_t now_ns) noexcept {
  refill(now_ns);
  return now_ns + std::max<std::int64_t>(0, interval_ns_ - credit_ns_);
}

std::int64_t TokenBucket::reserve(std::int64_t now_ns) noexcept {
  const std::int64_t due = next_available(now_ns);
  credit_ns_ -= interval_ns_;
  return due;
}

TokenBucket bucket_within(WindowLimit limit, std::int64_t now_ns) noexcept {
  if (!limit.limited()) return {1, 1, now_ns};  // no limit: a token every ns
  const std::uint32_t burst = std::max<std::uint32_t>(1, limit.count / 4);
  const std::int64_t refills = std::int64_t{limit.count} - 2 * std::int64_t{burst};
  // Rounded up: never more than `refills` tokens within one window.
  const std::int64_t interval =
      refills >= 1 ? (limit.window_ns + refills - 1) / refills : limit.window_ns + 1;
  return {burst, interval, now_ns};
}

RateGate::RateGate(WindowLimit limit, std::int64_t now_ns) noexcept
    : limit_(limit), bucket_(bucket_within(limit, now_ns)) {}

std::int64_t RateGate::reserve_wait_ns(std::int64_t now_ns) noexcept {
  if (!limit_.limited()) return 0;
  const std::int64_t wait = bucket_.reserve(now_ns) - now_ns;
  if (wait > 0) delayed_.fetch_add(1, std::memory_order_relaxed);
  return wait;
}

namespace {

// A channel whose GETs go out no faster than the gate allows: a GET whose
// token is not due yet waits here (with its due time) and is handed to the
// inner channel by a later poll(), in order.
class LimitedChannel final : public RestChannel {
 public:
  LimitedChannel(std::unique_ptr<RestChannel> inner, RateGate& gate)
      : inner_(std::move(inner)), gate_(gate) {}

  bool get(std::string_view target, std::uint64_t tag) override {
    const std::int64_t now = monotonic_ns();
    if (held_.empty()) {
      const std::int64_t wait = gate_.reserve_wait_ns(now);
      if (wait == 0) return inner_->get(target, tag);
      held_.push_back(Held{std::string(target), tag, now + wait});
      return true;
    }
    if (held_.size() >= RestWorker::kMaxQueued) return false;
    held_.push_back(Held{std::string(target), tag, now + gate_.reserve_wait_ns(now)});
    return true;
  }

  void poll(RestReplies& replies, std::int64_t recv_realtime_ns,
            std::int64_t recv_mono_ns) noexcept override {
    release(monotonic_ns());
    inner_->poll(replies, recv_realtime_ns, recv_mono_ns);
  }

 private:
  struct Held {
    std::string target;
    std::uint64_t tag;
    std::int64_t due_ns;
  };

  void release(std::int64_t now) noexcept {
    while (!held_.empty() && held_.front().due_ns <= now) {
      // A GET the worker cannot queue (full, or out of memory) is lost as it
      // would have been without the gate; the feed's own timeout asks again.
      try {
        (void)inner_->get(held_.front().target, held_.front().tag);
      } catch (...) {
      }
      held_.pop_front();
    }
  }

  std::unique_ptr<RestChannel> inner_;
  RateGate& gate_;
  std::deque<Held> held_;
};

}  // namespace

RestResult RateLimitedRest::get(const RestEndpoint& ep, std::string_view target,
                                std::chrono::milliseconds timeout) {
  const std::int64_t wait = gate_.reserve_wait_ns(monotonic_ns());
  if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
  return inner_.get(ep, target, timeout);
}

std::unique_ptr<RestChannel> RateLimitedRest::channel(const RestEndpoint& ep,
                                                      std::chrono::milliseconds timeout) {
  return std::make_unique<LimitedChannel>(inner_.channel(ep, timeout), gate_);
}

}  // namespace wirebook::feeds
