#include "daemon/hot_path_warmer.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include <simdjson.h>

#include "shm/writer.hpp"

namespace wirebook::daemon {

namespace {
constexpr std::int64_t kSampleEveryNs = 1'000'000'000;  // a fresh sample once a second
constexpr std::size_t kWarmLevels = 8;                  // top levels read per side (no writer)
constexpr std::int64_t kScratchTs = 1;                  // the scratch book's timestamps

// "1000.00"-style text of a price in hundredths.
std::string hundredths_text(std::int64_t hundredths) {
  const std::int64_t cents = hundredths % 100;
  return std::to_string(hundredths / 100) + (cents < 10 ? ".0" : ".") + std::to_string(cents);
}
}  // namespace

// One book over a private segment, for warming only. The segment is created
// in a fresh directory beside the venue's own (the same file system, tmpfs in
// a normal install), and that directory is removed at once: no reader can
// open it, and the mapping lives as long as the writer. Its ladder has the
// venue's depth on each side, so a scratch publication runs the trip counts a
// real one runs. Its counters and clock are its own; the idle loop calls it
// outside any recorded frame, so a recording never sees its clock reads.
class ScratchBook {
 public:
  // Null when the directory or the segment cannot be made (warming then goes
  // on without it).
  [[nodiscard]] static std::unique_ptr<ScratchBook> create(const shm::VenueWriter& real);

  // One quantity change per side, near the touch (as most deltas are),
  // applied and published.
  void apply() noexcept {
    const std::string_view qty = (++publications_ & 1U) != 0 ? "1.25" : "2.5";
    const std::size_t k = std::min<std::size_t>(2, bid_px_.size() - 1);
    const feeds::LevelText bid{bid_px_[k], qty};
    const feeds::LevelText ask{ask_px_[k], qty};
    (void)books_->set_levels(0, {&bid, 1}, {&ask, 1}, kScratchTs, kScratchTs);
    books_->commit(0, feeds::BookStatus::live, false, kScratchTs, kScratchTs);
  }
  [[nodiscard]] std::uint64_t publications() const noexcept { return publications_; }

 private:
  ScratchBook() = default;
  void fill(std::uint32_t depth);

  std::unique_ptr<shm::VenueWriter> writer_;
  std::unique_ptr<feeds::VenueBooks> books_;
  std::vector<std::string> bid_px_;  // the ladder's prices, best first
  std::vector<std::string> ask_px_;
  std::uint64_t publications_ = 0;
};

std::unique_ptr<ScratchBook> ScratchBook::create(const shm::VenueWriter& real) {
  std::string dir = (std::filesystem::path(real.path()).parent_path() / ".warm-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) return nullptr;
  std::unique_ptr<ScratchBook> scratch(new ScratchBook());
  shm::SegmentOptions options;
  options.dir = dir;
  options.file_mode = 0600;
  shm::VenueConfig config;
  config.name = "warm";
  config.symbols = {"WARM"};
  config.depth = real.depth();
  config.ring_capacity = 1024;
  config.position_capacity = 0;
  const bool made = shm::VenueWriter::create(options, config, scratch->writer_).ok();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  if (!made) return nullptr;
  scratch->fill(config.depth);
  return scratch;
}

void ScratchBook::fill(std::uint32_t depth) {
  books_ = std::make_unique<feeds::VenueBooks>(std::vector<feeds::InstrumentSpec>{{"WARM", -2, -2}},
                                               2 * std::size_t{depth}, 1, writer_.get());
  std::vector<feeds::LevelText> bids;
  std::vector<feeds::LevelText> asks;
  // Reserved: the level views point into these (short, inline) strings, which
  // a reallocation would move.
  bid_px_.reserve(depth);
  ask_px_.reserve(depth);
  for (std::uint32_t k = 0; k < depth; ++k) {
    bid_px_.push_back(hundredths_text(100'000 - std::int64_t{k}));
    ask_px_.push_back(hundredths_text(100'001 + std::int64_t{k}));
    bids.push_back({bid_px_.back(), "1.5"});
    asks.push_back({ask_px_.back(), "1.5"});
  }
  (void)books_->set_levels(0, bids, asks, kScratchTs, kScratchTs);
  books_->commit(0, feeds::BookStatus::live, false, kScratchTs, kScratchTs);
}

HotPathWarmer::HotPathWarmer(feeds::FrameHandler& inner,
                             std::unique_ptr<feeds::MessageParser> parser,
                             const feeds::VenueBooks& books, const shm::VenueWriter* writer,
                             std::int64_t interval_ns)
    : ForwardingHandler(&inner),
      parser_(std::move(parser)),
      books_(books),
      writer_(writer),
      interval_ns_(interval_ns),
      sample_(kMaxSampleBytes + simdjson::SIMDJSON_PADDING) {
  sample_type_.reserve(kMaxSampleTypeBytes);
  // WIREBOOK_WARM_SCRATCH=0 leaves the scratch book out (the idle sweep's A/B).
  const char* scratch = std::getenv("WIREBOOK_WARM_SCRATCH");
  const bool scratch_on = scratch == nullptr || std::string_view(scratch) != "0";
  if (writer_ != nullptr && scratch_on) scratch_ = ScratchBook::create(*writer_);
}

HotPathWarmer::~HotPathWarmer() = default;

std::uint64_t HotPathWarmer::scratch_publications() const noexcept {
  return scratch_ == nullptr ? 0 : scratch_->publications();
}

bool HotPathWarmer::on_frame(const char* data, std::size_t len, std::size_t capacity,
                             std::int64_t recv_rt_ns, std::int64_t recv_mono_ns) noexcept {
  keep_sample({}, data, len, recv_mono_ns);
  return ForwardingHandler::on_frame(data, len, capacity, recv_rt_ns, recv_mono_ns);
}

bool HotPathWarmer::on_stream_event(std::size_t stream, const feeds::SseEvent& event,
                                    std::int64_t recv_rt_ns, std::int64_t recv_mono_ns) noexcept {
  keep_sample(event.type, event.data, event.len, recv_mono_ns);
  return ForwardingHandler::on_stream_event(stream, event, recv_rt_ns, recv_mono_ns);
}

// Copied before the feed sees the frame, which it may parse in place: one
// comparison per frame, and a copy into the buffer made at construction once
// a second (never an allocation).
void HotPathWarmer::keep_sample(std::string_view event_type, const char* data, std::size_t len,
                                std::int64_t now_mono_ns) noexcept {
  if (sampled_ns_ >= 0 && now_mono_ns - sampled_ns_ < kSampleEveryNs) return;
  if (len > kMaxSampleBytes || event_type.size() > kMaxSampleTypeBytes) return;
  sample_type_.assign(event_type);  // within the reserved capacity
  std::memcpy(sample_.data(), data, len);
  sample_len_ = len;
  sampled_ns_ = now_mono_ns;
}

void HotPathWarmer::on_idle_turn(std::int64_t now_mono_ns) noexcept {
  if (now_mono_ns - last_ns_ < interval_ns_) return;
  last_ns_ = now_mono_ns;
  warm();
}

void HotPathWarmer::warm() noexcept {
  ++warmings_;
  if (parser_ != nullptr && sampled_ns_ >= 0) {
    sink_ += parser_->parse(sample_type_, sample_.data(), sample_len_, sample_.size());
  }
  sink_ += books_.warm();
  next_handler().warm();
  // The levels the next publication copies (the top window and the deep
  // array's best end, which an insert spills into and a delete pulls from).
  const std::size_t levels = writer_ != nullptr ? writer_->depth() : kWarmLevels;
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    const book::L2Book& b = books_.book(i);
    for (const auto side : {book::Side::bid, book::Side::ask}) {
      b.visit_top(side, levels, [&](std::size_t, const book::Level& l) { sink_ += l.qty; });
    }
  }
  if (writer_ != nullptr) writer_->warm();
  if (scratch_ != nullptr) scratch_->apply();
}

}  // namespace wirebook::daemon
