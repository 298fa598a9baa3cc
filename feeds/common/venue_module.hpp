#pragma once
// A venue module (DESIGN.md §2): everything the daemon and the config
// validator know of one venue kind, declared once in feeds/<venue>/module.cpp
// and listed, one line per venue, in feeds/registry.cpp. Nothing outside the
// venue's folder names the venue.
//
// Threading: descriptors are immutable; make_feed runs at start-up on the
// cold thread (it may block, e.g. a REST lookup) and throws with the reason.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "config/config.hpp"
#include "feeds/common/https_client.hpp"
#include "feeds/common/outbox.hpp"
#include "feeds/common/rate_limit.hpp"
#include "feeds/common/session.hpp"
#include "feeds/common/venue_books.hpp"

namespace wirebook::feeds {

// The venue's credentials, resolved by the daemon from their references
// (never logged). `use` says how the venue should present them; key_only:
// an API key without a secret (e.g. OCX's x-api-key header).
struct Credentials {
  enum class Use : std::uint8_t { none, plain, signature, key_only };
  Use use = Use::none;
  std::string api_key;
  std::string api_secret;
};

// What a feed factory gets: the venue's config (generic keys, and its own keys
// in venue.options), its books, where control frames go, its credentials, and
// where its REST traffic goes (start-up lookups and channels: only through
// `rest`, so recordings keep the answers and replay needs no network).
struct FeedContext {
  const config::VenueConfig& venue;
  VenueBooks& books;
  Outbox& out;
  Credentials credentials;
  RestSource& rest = live_rest();
};

// The venue's parser alone (`wirebook replay --bench`'s parse-only pass: the
// parser without sequencer, books or shared memory). One thread.
class MessageParser {
 public:
  virtual ~MessageParser() = default;
  // Parses one received message in place (`capacity` >= len + SIMDJSON_PADDING;
  // `event_type`: the SSE event's type, empty for WebSocket frames). Returns
  // the price levels it read, or -1 when the message did not parse.
  virtual std::int64_t parse(std::string_view event_type, const char* data, std::size_t len,
                             std::size_t capacity) noexcept = 0;
};

// A MessageParser over a venue parser with parse(data, len, capacity, message)
// or parse(event_type, data, len, capacity, message) returning a status whose
// success is `ok`, and a Message with bids and asks.
template <class Parser, class Message>
class ParseOnly final : public MessageParser {
 public:
  template <class... Args>
  explicit ParseOnly(Args&&... args) : parser_(std::forward<Args>(args)...) {}
  std::int64_t parse(std::string_view event_type, const char* data, std::size_t len,
                     std::size_t capacity) noexcept override {
    Message m;
    bool ok = false;
    if constexpr (requires { parser_.parse(event_type, data, len, capacity, m); }) {
      const auto status = parser_.parse(event_type, data, len, capacity, m);
      ok = status == decltype(status)::ok;
    } else {
      const auto status = parser_.parse(data, len, capacity, m);
      ok = status == decltype(status)::ok;
    }
    return ok ? static_cast<std::int64_t>(m.bids.size() + m.asks.size()) : -1;
  }

 private:
  Parser parser_;
};

struct VenueModule {
  config::VenueRules rules{};  // kind, url schemes, heartbeat and depth rules, own keys
  Transport transport = Transport::websocket;
  // The venue has no application heartbeat: the session keeps the transport
  // alive itself and fails a connection silent for 2 x heartbeat_s.
  bool transport_keepalive = false;
  // > 0: connection attempts start at least this far apart (a venue's
  // documented connection rate limit; SessionOptions::min_connect_interval_ns).
  std::int64_t min_connect_interval_ns = 0;
  // The venue's documented rate limits (issue 23, reconnect storms), quoted
  // from its documents in the module; where a document states none, the
  // module's conservative choice. connect_limit: connection attempts, every
  // connection and SSE stream of the venue together; rest_limit: every REST
  // call of the venue (start-up lookups, snapshots, drift checks). The daemon
  // keeps one bucket per venue and kind (rate_limit.hpp), so a storm of
  // reconnects, or a restart right after one, stays within them. The config
  // keys connect_limit / rest_limit (with *_window_ms) override them.
  WindowLimit connect_limit{};
  WindowLimit rest_limit{};
  // Builds the venue's feed, doing any start-up preparation first. nullptr:
  // the kind's config is known but its feed is not in this build yet.
  std::unique_ptr<FrameHandler> (*make_feed)(const FeedContext& context) = nullptr;
  // The venue's parser as its feed would build it from `venue` (cold thread).
  std::unique_ptr<MessageParser> (*make_parser)(const config::VenueConfig& venue) = nullptr;
};

// The generic timing keys in ns (defaults where a key is 0: unset in tests).
[[nodiscard]] inline std::int64_t heartbeat_ns(const config::VenueConfig& v) noexcept {
  return v.heartbeat_s > 0 ? std::int64_t{v.heartbeat_s} * 1'000'000'000 : 10'000'000'000;
}
[[nodiscard]] inline std::int64_t stale_after_ns(const config::VenueConfig& v) noexcept {
  return v.stale_ms > 0 ? std::int64_t{v.stale_ms} * 1'000'000 : 60'000'000'000;
}

// The venue's limits: the config's override where given, else the module's.
[[nodiscard]] inline WindowLimit connect_limit(const config::VenueConfig& v,
                                               const VenueModule& m) noexcept {
  if (v.connect_limit == 0) return m.connect_limit;
  return {v.connect_limit, std::int64_t{v.connect_limit_window_ms} * 1'000'000};
}
[[nodiscard]] inline WindowLimit rest_limit(const config::VenueConfig& v,
                                            const VenueModule& m) noexcept {
  if (v.rest_limit == 0) return m.rest_limit;
  return {v.rest_limit, std::int64_t{v.rest_limit_window_ms} * 1'000'000};
}

// Reads a module's own keys from venue.options with the module's reader
// `read(TableReader&, const VenueConfig&)`. They were validated with the
// config, so a problem here means the config did not come through
// parse_config: it is thrown.
template <class Read>
[[nodiscard]] auto read_own_keys(const config::VenueConfig& venue, Read read) {
  config::Problems problems;
  config::TableReader reader(venue.options, "venue '" + venue.name + "'", problems);
  auto keys = read(reader, venue);
  if (!problems.empty()) throw std::invalid_argument(problems.front());
  return keys;
}

// Adapts a venue feed (on_connected, on_disconnected, on_frame and on_timer
// returning its FeedAction) to the session's FrameHandler.
template <class Feed>
class FeedHandler final : public FrameHandler {
  using Action = decltype(std::declval<Feed&>().on_timer(0));

 public:
  template <class... Args>
  explicit FeedHandler(Args&&... args) : feed_(std::forward<Args>(args)...) {}
  void on_open(std::int64_t now) override { feed_.on_connected(now); }
  void on_close(std::int64_t now) override { feed_.on_disconnected(now); }
  bool on_frame(const char* d, std::size_t n, std::size_t cap, std::int64_t rt,
                std::int64_t mono) noexcept override {
    return feed_.on_frame(d, n, cap, rt, mono) == Action::reconnect;
  }
  bool on_timer(std::int64_t now) noexcept override {
    return feed_.on_timer(now) == Action::reconnect;
  }
  void warm() const noexcept override { warm_feed(feed_); }
  // The feed itself (tests read its venue-specific counters).
  [[nodiscard]] const Feed& feed() const noexcept { return feed_; }

 private:
  Feed feed_;
};

}  // namespace wirebook::feeds
