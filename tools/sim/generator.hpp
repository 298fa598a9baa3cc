#pragma once
// Seeded book generator for one instrument: a random-walk mid with occasional
// sweeps, 50–400 levels a side, most updates near the touch, new levels and
// deletions. The generator owns the instrument's TRUE book (book::L2Book);
// every event is applied to it before it is described to venues, so faults
// injected downstream never change the truth.
//
// Determinism: the sequence of events (and so the truth) depends only on the
// spec, the parameters and the seed.
// Threading: one owner (the simulator's io thread).
#include <cstdint>
#include <vector>

#include "book/book_op.hpp"
#include "book/l2_book.hpp"
#include "tools/sim/rng.hpp"
#include "tools/sim/symbols.hpp"

namespace wirebook::sim {

struct GeneratorParams {
  std::size_t min_levels = 50;   // per side, kept at all times after an event
  std::size_t max_levels = 400;  // per side, never exceeded
};

struct LevelChange {
  book::Side side;
  std::int64_t px;
  std::int64_t qty;      // absolute new quantity, 0 deletes
  std::int64_t old_qty;  // quantity before the event (0: a new level)
};

struct Trade {
  std::int64_t px;
  std::int64_t qty;
  bool buy;  // aggressor side
};

// One book event: the net level changes (bids best first, then asks best
// first; each price once), an optional trade, whether the top of book moved.
struct BookEvent {
  std::vector<LevelChange> changes;
  bool has_trade = false;
  Trade trade{};
  bool top_changed = false;
};

class BookGenerator {
 public:
  BookGenerator(const SymbolSpec& spec, const GeneratorParams& params, std::uint64_t seed);

  // Produces the next event and applies it to the truth book.
  void step(BookEvent& out);

  [[nodiscard]] const book::L2Book& book() const noexcept { return book_; }
  [[nodiscard]] const SymbolSpec& spec() const noexcept { return spec_; }
  [[nodiscard]] std::uint64_t events() const noexcept { return events_; }

 private:
  void seed_book();
  [[nodiscard]] std::int64_t random_qty();
  void refresh(book::Side side);  // copies the side, best first, into levels_[side]
  [[nodiscard]] const std::vector<book::Level>& side_levels(book::Side side);
  void set(book::Side side, std::int64_t px, std::int64_t qty);
  [[nodiscard]] std::int64_t best_px(book::Side side);
  [[nodiscard]] std::int64_t worst_px(book::Side side);

  void modify_near_touch(book::Side side);
  void insert_near_touch(book::Side side);
  void delete_level(book::Side side, bool deep);
  void walk(book::Side toward);  // consume the touch on one side, improve the other
  void sweep(book::Side side);
  void keep_depth(book::Side side);

  SymbolSpec spec_;
  GeneratorParams params_;
  Rng rng_;
  book::L2Book book_;
  std::vector<book::Level> levels_[2];
  bool stale_[2] = {true, true};
  std::vector<LevelChange> touched_;  // (side, px) touched this event, qty filled at the end
  Trade trade_{};
  bool has_trade_ = false;
  std::uint64_t events_ = 0;
};

}  // namespace wirebook::sim
