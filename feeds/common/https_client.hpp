#pragma once
// REST over HTTPS for any venue: a blocking GET with one overall timeout for
// start-up preparation (e.g. O2's market lookup), and a worker thread that
// serves a feed's RestOutbox off the venue thread (snapshots, cross-checks).
//
// Beast and OpenSSL stay in https_client.cpp; venue folders include only this
// header. TLS: SNI and hostname
// verification against the system store or `ca_file`; `verify = false` only
// for tests. Plain http:// is accepted for loopback (the simulator).
//
// Threading: https_get() is reentrant. RestWorker::get() and poll() are
// called from the venue thread only; the worker thread does the I/O.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "feeds/common/outbox.hpp"

namespace wirebook::feeds {

struct RestEndpoint {
  std::string scheme = "https";  // https | http
  std::string host;
  std::uint16_t port = 443;
  bool verify = true;
  std::string ca_file;  // empty: the system store
};

// Parses "https://host[:port][/]" (a base without path). Returns "" or what is wrong.
[[nodiscard]] std::string parse_rest_base(std::string_view url, RestEndpoint& out);

struct RestResult {
  int status = 0;     // HTTP status; 0 when the request failed below HTTP
  std::string body;   // response body
  std::string error;  // transport/TLS failure, empty on any HTTP response
};

// One GET of `target` (path and query) with `timeout` for the whole exchange.
// Never throws for network errors (they go to RestResult::error).
[[nodiscard]] RestResult https_get(const RestEndpoint& ep, std::string_view target,
                                   std::chrono::milliseconds timeout);

// A venue thread's REST channel to one endpoint: GETs queued with a tag, the
// replies handed over when the feed polls (venue thread only).
class RestChannel : public RestOutbox {
 public:
  // Hands finished replies to `replies` (never blocks: a reply not ready yet
  // comes on a later call). The times are the caller's: what it reads is
  // what a recording keeps.
  virtual void poll(RestReplies& replies, std::int64_t recv_realtime_ns,
                    std::int64_t recv_mono_ns) noexcept = 0;
};

// Where a venue module's REST traffic goes (FeedContext::rest): live, HTTPS;
// under the recorder, HTTPS with every request and answer recorded; under
// replay, the recorded answers (README "Recordings"). Modules reach REST only
// through it, so a recording replays without the network.
class RestSource {
 public:
  virtual ~RestSource() = default;
  // A blocking start-up lookup (cold thread, from make_feed).
  [[nodiscard]] virtual RestResult get(const RestEndpoint& ep, std::string_view target,
                                       std::chrono::milliseconds timeout) = 0;
  // The venue thread's channel to `ep`, opened from make_feed.
  [[nodiscard]] virtual std::unique_ptr<RestChannel> channel(const RestEndpoint& ep,
                                                             std::chrono::milliseconds timeout) = 0;
};

// https_get and a RestWorker per channel.
[[nodiscard]] RestSource& live_rest() noexcept;

// Serves a feed's REST requests on its own thread, one at a time (venues
// limit REST rates; the feed paces itself).
class RestWorker final : public RestChannel {
 public:
  RestWorker(RestEndpoint ep, std::chrono::milliseconds timeout);
  ~RestWorker() override;
  RestWorker(const RestWorker&) = delete;
  RestWorker& operator=(const RestWorker&) = delete;

  bool get(std::string_view target, std::uint64_t tag) override;
  void poll(RestReplies& replies, std::int64_t recv_realtime_ns,
            std::int64_t recv_mono_ns) noexcept override;

  static constexpr std::size_t kMaxQueued = 64;

 private:
  struct Request {
    std::string target;
    std::uint64_t tag;
  };
  struct Reply {
    std::uint64_t tag;
    int status;
    std::vector<char> body;  // with SIMDJSON_PADDING spare bytes
    std::size_t len;
  };
  void run();

  RestEndpoint ep_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> queue_;
  std::vector<Reply> done_;
  std::vector<Reply> taken_;  // venue thread only
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace wirebook::feeds
