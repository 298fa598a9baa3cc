#pragma once
// A WebSocket feed with a REST worker, behind the session's FrameHandler
// (WOO v3 books, O2 snapshots and drift checks). It owns the REST channel and
// hands the worker's replies to the feed on the venue thread: on every timer
// tick and, with kPollBeforeFrames, before each frame too, so a REST book
// meets as short a delta buffer as possible (poll never blocks).
#include <cstdint>
#include <memory>
#include <utility>

#include "feeds/common/clock.hpp"
#include "feeds/common/https_client.hpp"
#include "feeds/common/outbox.hpp"
#include "feeds/common/session.hpp"
#include "feeds/common/venue_books.hpp"

namespace wirebook::feeds {

template <class Feed, class Options, bool kPollBeforeFrames>
class RestFeedHandler final : public FrameHandler, public RestReplies {
 public:
  // `rest` may be null (no REST base configured): the feed then gets none.
  RestFeedHandler(VenueBooks& books, Outbox& out, Options o, std::unique_ptr<RestChannel> rest)
      : rest_(std::move(rest)), feed_(books, out, std::move(o), rest_.get()) {}
  void on_open(std::int64_t now) override { feed_.on_connected(now); }
  void on_close(std::int64_t now) override { feed_.on_disconnected(now); }
  bool on_frame(const char* d, std::size_t n, std::size_t cap, std::int64_t rt,
                std::int64_t mono) noexcept override {
    if (kPollBeforeFrames && rest_) rest_->poll(*this, rt, mono);
    return feed_.on_frame(d, n, cap, rt, mono) == FeedAction::reconnect;
  }
  bool on_timer(std::int64_t now) noexcept override {
    if (rest_) rest_->poll(*this, realtime_ns(), now);
    return feed_.on_timer(now) == FeedAction::reconnect;
  }
  void on_rest_reply(std::uint64_t tag, int status, const char* data, std::size_t len,
                     std::size_t cap, std::int64_t rt, std::int64_t mono) noexcept override {
    feed_.on_rest_reply(tag, status, data, len, cap, rt, mono);
  }

  void warm() const noexcept override { warm_feed(feed_); }
  [[nodiscard]] const Feed& feed() const noexcept { return feed_; }

 private:
  std::unique_ptr<RestChannel> rest_;  // before feed_: the feed holds a pointer to it
  Feed feed_;
};

}  // namespace wirebook::feeds
