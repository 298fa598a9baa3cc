#pragma once
// One instrument's pre-snapshot delta buffer: deltas that arrive before the
// snapshot they follow, kept as converted levels with the chain keys of their
// frame until the sequencer aligns them on the snapshot (sequencer.hpp).
//
// Threading: one venue thread. Storage is allocated in the constructor only;
// nothing after allocates or throws.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "book/book_op.hpp"

namespace wirebook::feeds {

class DeltaBuffer {
 public:
  struct Delta {
    std::int64_t prev_key;
    std::int64_t key;
    std::uint32_t first_op;
    std::uint32_t n_ops;
    std::int64_t ts_exchange_ns;
  };
  struct Op {
    book::Side side;
    std::int64_t px;
    std::int64_t qty;
  };

  // At most `capacity` deltas and `capacity` levels in all.
  explicit DeltaBuffer(std::size_t capacity)
      : capacity_(capacity == 0 ? 1 : capacity),
        ops_(std::make_unique<Op[]>(capacity_)),
        deltas_(std::make_unique<Delta[]>(capacity_)) {}

  // Opens a delta; false when full.
  [[nodiscard]] bool begin(std::int64_t prev_key, std::int64_t key,
                           std::int64_t ts_exchange_ns) noexcept {
    if (n_deltas_ >= capacity_) return false;
    deltas_[n_deltas_++] =
        Delta{prev_key, key, static_cast<std::uint32_t>(n_ops_), 0, ts_exchange_ns};
    return true;
  }
  // Adds a level to the open delta; false when full or none is open.
  [[nodiscard]] bool add(book::Side side, std::int64_t px, std::int64_t qty) noexcept {
    if (n_deltas_ == 0 || n_ops_ >= capacity_) return false;
    ops_[n_ops_++] = Op{side, px, qty};
    ++deltas_[n_deltas_ - 1].n_ops;
    return true;
  }
  // Drops the delta opened last.
  void abort() noexcept {
    if (n_deltas_ == 0) return;
    n_ops_ = deltas_[n_deltas_ - 1].first_op;
    --n_deltas_;
  }
  void clear() noexcept {
    n_ops_ = 0;
    n_deltas_ = 0;
  }
  [[nodiscard]] bool has_open_delta() const noexcept { return n_deltas_ != 0; }
  [[nodiscard]] std::size_t size() const noexcept { return n_deltas_; }
  [[nodiscard]] const Delta& at(std::size_t k) const noexcept { return deltas_[k]; }
  [[nodiscard]] std::span<const Op> ops(const Delta& d) const noexcept {
    return {ops_.get() + d.first_op, d.n_ops};
  }

  // Multiplies every buffered price (or quantity) by `factor`, when the
  // instrument's exponent widens; false (and cleared) if one would overflow:
  // the buffer cannot stay exact and the sequencer realigns without it.
  [[nodiscard]] bool rescale(bool prices, std::int64_t factor) noexcept {
    std::int64_t v = 0;
    for (std::size_t j = 0; j < n_ops_; ++j) {
      if (__builtin_mul_overflow(prices ? ops_[j].px : ops_[j].qty, factor, &v)) {
        clear();
        return false;
      }
    }
    for (std::size_t j = 0; j < n_ops_; ++j) (prices ? ops_[j].px : ops_[j].qty) *= factor;
    return true;
  }

 private:
  std::size_t capacity_;
  std::unique_ptr<Op[]> ops_;
  std::unique_ptr<Delta[]> deltas_;
  std::size_t n_ops_ = 0;
  std::size_t n_deltas_ = 0;
};

}  // namespace wirebook::feeds
