#pragma once
// One feed as the daemon builds it, against a live endpoint: the venue
// module's handler over books, its session on an io_context, and an outbox
// between them that keeps a copy of every frame the feed sends. Shared by the
// reference-data e2e tests (reference_rig.hpp) and the wire -> shared-memory
// bench (bench/e2e/wire_bench.cpp), so it has no test-framework code.
//
// Threading: the io thread sends; RecordingOutbox may be read from any thread.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "config/config.hpp"
#include "feeds/common/session.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/common/venue_module.hpp"

namespace wirebook::reftest {

// ---- the feed and its run ----------------------------------------------------

// The feed's outbox: forwards every frame to the session and keeps a copy.
// The io thread sends; any thread may read (hence the lock).
class RecordingOutbox : public feeds::Outbox {
 public:
  void send_text(std::string_view f) override {
    {
      const std::lock_guard<std::mutex> lock(m_);
      sent_.emplace_back(f);
    }
    if (session_ != nullptr) session_->send_text(f);
  }
  void attach(feeds::Session* s) { session_ = s; }
  std::vector<std::string> sent() const {
    const std::lock_guard<std::mutex> lock(m_);
    return sent_;
  }
  // How many frames sent contain `needle`.
  std::size_t count(std::string_view needle) const {
    const std::lock_guard<std::mutex> lock(m_);
    std::size_t n = 0;
    for (const auto& t : sent_) n += t.find(needle) != std::string::npos ? 1U : 0U;
    return n;
  }

 private:
  feeds::Session* session_ = nullptr;
  mutable std::mutex m_;
  std::vector<std::string> sent_;
};

// Session options for the venue's endpoint over `scheme`; the caller adds
// seed, ca_file and the module's connect interval as its test had them.
inline feeds::SessionOptions session_options(const config::VenueConfig& venue, std::string scheme) {
  feeds::SessionOptions wo;
  wo.scheme = std::move(scheme);
  wo.host = venue.endpoint.host;
  wo.port = venue.endpoint.port;
  wo.target = venue.endpoint.target;
  return wo;
}

// One feed as the daemon builds it: the module's handler over `books`, its
// session on `io`, a recording outbox between them.
struct FeedUnderTest {
  FeedUnderTest(const feeds::VenueModule& module, config::VenueConfig venue_config,
                feeds::VenueBooks& books, feeds::SessionOptions options,
                boost::asio::io_context& io)
      : venue(std::move(venue_config)),
        handler(module.make_feed(feeds::FeedContext{venue, books, out, {}})),
        session(feeds::make_session(module.transport, io, std::move(options), *handler)) {
    out.attach(session.get());
  }

  config::VenueConfig venue;  // the handler keeps a reference to it
  RecordingOutbox out;
  std::unique_ptr<feeds::FrameHandler> handler;
  std::unique_ptr<feeds::Session> session;
};

}  // namespace wirebook::reftest
