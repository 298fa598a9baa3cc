#pragma once
// Hot -> cold log traffic (DESIGN.md §1): venue threads never format through
// spdlog themselves; they copy a short message into a fixed-size record and
// try_enqueue it on a preallocated moodycamel queue. A full queue drops the
// record and counts it; the cold thread drains and logs.
//
// Threading: any number of producers (venue threads), one consumer (the cold
// thread). push() never blocks; the queue's memory is reserved up front.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <concurrentqueue/concurrentqueue.h>

namespace wirebook::daemon {

struct LogRecord {
  static constexpr std::size_t kTextLen = 240;
  std::int8_t level = 2;   // spdlog::level::level_enum value
  std::uint8_t venue = 0;  // index into the daemon's venue list
  std::uint16_t len = 0;
  char text[kTextLen]{};
};

class LogQueue {
 public:
  explicit LogQueue(std::size_t capacity) : queue_(capacity) {}

  // Copies (and truncates) `message`; returns false when the record was dropped.
  bool push(int level, std::uint8_t venue, std::string_view message) noexcept {
    LogRecord r;
    r.level = static_cast<std::int8_t>(level);
    r.venue = venue;
    r.len = static_cast<std::uint16_t>(message.size() < LogRecord::kTextLen ? message.size()
                                                                            : LogRecord::kTextLen);
    for (std::size_t i = 0; i < r.len; ++i) r.text[i] = message[i];
    if (queue_.try_enqueue(r)) return true;
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  bool pop(LogRecord& out) noexcept { return queue_.try_dequeue(out); }
  [[nodiscard]] std::uint64_t dropped() const noexcept {
    return dropped_.load(std::memory_order_relaxed);
  }

 private:
  moodycamel::ConcurrentQueue<LogRecord> queue_;
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace wirebook::daemon
