#include "daemon/hot_path_warmer.hpp"

#include <cstring>

#include <simdjson.h>

#include "shm/writer.hpp"

namespace wirebook::daemon {

namespace {
constexpr std::int64_t kSampleEveryNs = 1'000'000'000;  // a fresh sample once a second
constexpr std::size_t kWarmLevels = 8;                  // top levels read per side
}  // namespace

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
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    const book::L2Book& b = books_.book(i);
    for (const auto side : {book::Side::bid, book::Side::ask}) {
      b.visit_top(side, kWarmLevels, [&](std::size_t, const book::Level& l) { sink_ += l.qty; });
    }
  }
  if (writer_ != nullptr) writer_->warm();
}

}  // namespace wirebook::daemon
