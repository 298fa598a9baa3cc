#pragma once
// A FrameHandler that passes every call on to another: the base of the
// handlers that sit in front of a feed (the recorder, the hot-path warmer),
// which override only the calls they add to. Forwarding the multi-stream
// calls as themselves matters: FrameHandler's defaults would turn them into
// on_frame/on_open/on_close and hide the stream from the feed behind.
#include "feeds/common/session.hpp"

namespace wirebook::feeds {

class ForwardingHandler : public FrameHandler {
 public:
  void on_open(std::int64_t now_mono_ns) override { next_->on_open(now_mono_ns); }
  void on_close(std::int64_t now_mono_ns) override { next_->on_close(now_mono_ns); }
  bool on_frame(const char* data, std::size_t len, std::size_t capacity,
                std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept override {
    return next_->on_frame(data, len, capacity, recv_realtime_ns, recv_mono_ns);
  }
  bool on_timer(std::int64_t now_mono_ns) noexcept override { return next_->on_timer(now_mono_ns); }
  void warm() const noexcept override { next_->warm(); }
  [[nodiscard]] std::vector<std::string> stream_targets() const override {
    return next_->stream_targets();
  }
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> stream_headers(
      std::size_t stream) const override {
    return next_->stream_headers(stream);
  }
  [[nodiscard]] bool stream_enabled(std::size_t stream) const noexcept override {
    return next_->stream_enabled(stream);
  }
  void on_stream_open(std::size_t stream, std::int64_t now_mono_ns) override {
    next_->on_stream_open(stream, now_mono_ns);
  }
  void on_stream_close(std::size_t stream, std::int64_t now_mono_ns) override {
    next_->on_stream_close(stream, now_mono_ns);
  }
  bool on_stream_event(std::size_t stream, const SseEvent& event, std::int64_t recv_realtime_ns,
                       std::int64_t recv_mono_ns) noexcept override {
    return next_->on_stream_event(stream, event, recv_realtime_ns, recv_mono_ns);
  }
  void on_stream_refused(std::size_t stream, unsigned http_status) noexcept override {
    next_->on_stream_refused(stream, http_status);
  }
  void on_stream_comment(std::size_t stream, std::string_view text,
                         std::int64_t recv_mono_ns) noexcept override {
    next_->on_stream_comment(stream, text, recv_mono_ns);
  }
  bool on_stream_timer(std::size_t stream, std::int64_t now_mono_ns) noexcept override {
    return next_->on_stream_timer(stream, now_mono_ns);
  }

 protected:
  explicit ForwardingHandler(FrameHandler* next = nullptr) noexcept : next_(next) {}
  // The handler behind this one; set before the first call.
  void forward_to(FrameHandler& next) noexcept { next_ = &next; }
  [[nodiscard]] FrameHandler& next_handler() const noexcept { return *next_; }

 private:
  FrameHandler* next_;
};

}  // namespace wirebook::feeds
