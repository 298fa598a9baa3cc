// The venue-kind table (DESIGN §2). Adding a venue adds one row here.
#include "feeds/common/registry.hpp"

#include <stdexcept>
#include <utility>

#include "feeds/common/clock.hpp"
#include "feeds/o2/o2_feed.hpp"
#include "feeds/o2/rest_client.hpp"
#include "feeds/pulse/pulse_feed.hpp"
#include "feeds/woo/woo_feed.hpp"

namespace wirebook::feeds {
namespace {

// Adapts a venue feed (transport-independent: on_connected, on_disconnected,
// on_frame and on_timer returning its FeedAction) to the session's FrameHandler.
template <class Feed, class Options>
class FeedHandler final : public FrameHandler {
  using Action = decltype(std::declval<Feed&>().on_timer(0));  // the feed's FeedAction

 public:
  FeedHandler(VenueBooks& books, Outbox& out, Options o) : feed_(books, out, std::move(o)) {}
  void on_open(std::int64_t now) override { feed_.on_connected(now); }
  void on_close(std::int64_t now) override { feed_.on_disconnected(now); }
  bool on_frame(const char* d, std::size_t n, std::size_t cap, std::int64_t rt,
                std::int64_t mono) noexcept override {
    return feed_.on_frame(d, n, cap, rt, mono) == Action::reconnect;
  }
  bool on_timer(std::int64_t now) noexcept override {
    return feed_.on_timer(now) == Action::reconnect;
  }

 private:
  Feed feed_;
};

std::unique_ptr<FrameHandler> make_woo(VenueBooks& books, Outbox& out, const FeedSettings& s) {
  woo::WooOptions o;
  o.trades = s.trades;
  o.bbo = s.bbo;
  o.max_frame_bytes = s.max_frame_bytes;
  o.stale_after_ns = s.stale_after_ns;
  o.ping_interval_ns = s.heartbeat_ns;
  o.dead_after_ns = 3 * s.heartbeat_ns;
  return std::make_unique<FeedHandler<woo::WooFeed, woo::WooOptions>>(books, out, o);
}

std::unique_ptr<FrameHandler> make_pulse(VenueBooks& books, Outbox& out, const FeedSettings& s) {
  pulse::PulseOptions o;
  o.interval = s.interval.empty() ? "raw" : s.interval;
  o.quotes = s.bbo;
  o.max_frame_bytes = s.max_frame_bytes;
  o.stale_after_ns = s.stale_after_ns;
  o.heartbeat_s = static_cast<int>(s.heartbeat_ns / 1'000'000'000);
  o.auth = s.auth == FeedSettings::Auth::credentials ? pulse::AuthMethod::client_credentials
           : s.auth == FeedSettings::Auth::signature ? pulse::AuthMethod::client_signature
                                                     : pulse::AuthMethod::none;
  o.client_id = s.api_key;
  o.client_secret = s.api_secret;
  return std::make_unique<FeedHandler<pulse::PulseFeed, pulse::PulseOptions>>(books, out,
                                                                              std::move(o));
}

// Adapts O2Feed to the session's FrameHandler; owns the REST worker when a
// REST base is configured (its replies are handed over on the timer tick).
class O2Handler final : public FrameHandler {
 public:
  O2Handler(VenueBooks& books, Outbox& out, o2::O2Options o, std::unique_ptr<o2::RestWorker> rest)
      : rest_(std::move(rest)), feed_(books, out, std::move(o), rest_.get()) {}
  void on_open(std::int64_t now) override { feed_.on_connected(now); }
  void on_close(std::int64_t now) override { feed_.on_disconnected(now); }
  bool on_frame(const char* d, std::size_t n, std::size_t cap, std::int64_t rt,
                std::int64_t mono) noexcept override {
    return feed_.on_frame(d, n, cap, rt, mono) == o2::FeedAction::reconnect;
  }
  bool on_timer(std::int64_t now) noexcept override {
    if (rest_) rest_->poll(feed_, realtime_ns(), now);
    return feed_.on_timer(now) == o2::FeedAction::reconnect;
  }

 private:
  std::unique_ptr<o2::RestWorker> rest_;  // before feed_: the feed holds a pointer to it
  o2::O2Feed feed_;
};

std::unique_ptr<FrameHandler> make_o2(VenueBooks& books, Outbox& out, const FeedSettings& s) {
  if (s.market_ids.size() != books.size()) {
    throw std::runtime_error("o2: every symbol needs a market id (config market_ids or rest_url)");
  }
  o2::O2Options o;
  o.market_ids = s.market_ids;
  o.trades = s.trades;
  o.ticker = s.ticker || s.bbo;
  o.mark_price = s.mark_price;
  o.funding = s.funding;
  o.max_frame_bytes = s.max_frame_bytes;
  o.stale_after_ns = s.stale_after_ns;
  // Transport liveness is the session's WebSocket ping/idle timeout; this is
  // the venue-level backstop (nothing at all received).
  o.idle_timeout_ns = 3 * s.heartbeat_ns;
  o.rest_check_interval_ns = s.rest_check_ns;
  std::unique_ptr<o2::RestWorker> rest;
  if (!s.rest_url.empty()) {
    o2::RestEndpoint ep;
    if (const std::string err = o2::parse_rest_base(s.rest_url, ep); !err.empty()) {
      throw std::runtime_error("o2: rest_url '" + s.rest_url + "' " + err);
    }
    ep.verify = s.rest_verify;
    ep.ca_file = s.rest_ca_file;
    rest = std::make_unique<o2::RestWorker>(std::move(ep), std::chrono::seconds(10));
  }
  return std::make_unique<O2Handler>(books, out, std::move(o), std::move(rest));
}

constexpr VenueKindEntry kKinds[] = {
    {"woo", &make_woo},
    {"pulse", &make_pulse},
    {"o2", &make_o2},
};

}  // namespace

std::span<const VenueKindEntry> venue_kinds() noexcept {
  return kKinds;
}

const VenueKindEntry* find_venue_kind(std::string_view kind) noexcept {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

}  // namespace wirebook::feeds
