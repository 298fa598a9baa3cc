#pragma once
// Helpers for the WOO tests (tests/common/feed_test_util.hpp, fixtures from tests/fixtures/woo).
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "feeds/woo/woo_feed.hpp"
#include "tests/common/feed_test_util.hpp"

namespace woo_test {

using wirebook::feed_test::Frame;
using wirebook::feed_test::RecordingOutbox;

inline std::string fixture(const std::string& name) {
  return wirebook::feed_test::fixture("woo", name);
}

using namespace wirebook::feeds;
using namespace wirebook::feeds::woo;
using wirebook::book::Level;
using wirebook::book::Side;

// Records the REST GETs a feed queues (`accept` false: refuses them).
struct RecordingRest final : wirebook::feeds::RestOutbox {
  bool get(std::string_view target, std::uint64_t tag) override {
    gets.emplace_back(std::string(target), tag);
    return accept;
  }
  std::vector<std::pair<std::string, std::uint64_t>> gets;
  bool accept = true;
};

inline WooOptions v3_options(bool bbo = false) {
  WooOptions o;
  o.protocol = Protocol::v3;
  o.bbo = bbo;
  o.max_connection_age_ns = 3'600'000'000'000;
  return o;
}

// What the v2 and v3 rigs share: a feed over recording outboxes (REST only
// when `with_rest`), its books at px_exp -2 and `qty_exp`, frames in at a clock
// that steps 1 ms per input, and the books' top levels out.
struct FeedRig {
  FeedRig(std::vector<std::string> syms, int qty_exp, const WooOptions& o, bool with_rest)
      : books(specs(std::move(syms), qty_exp), 1000, 256, nullptr),
        feed(books, out, o, with_rest ? &rest : nullptr) {}
  static std::vector<InstrumentSpec> specs(std::vector<std::string> syms, int qty_exp) {
    std::vector<InstrumentSpec> v;
    for (auto& s : syms) v.push_back({s, -2, qty_exp});
    return v;
  }
  void frame(const std::string& text) {
    Frame f(text);
    now += 1'000'000;
    (void)feed.on_frame(f.data(), f.len, f.capacity(), 1'700'000'000'000'000'000 + now, now);
  }
  std::vector<Level> top(std::uint32_t i, Side s) const {
    return wirebook::feed_test::top_levels(books, i, s);
  }
  std::int64_t now = 1'000'000'000;
  RecordingOutbox out;
  RecordingRest rest;
  VenueBooks books;
  WooFeed feed;
};

// A v3 feed: subscription acks, deltas and REST replies in.
struct Rig : FeedRig {
  explicit Rig(std::vector<std::string> syms = {"PERP_BTC_USDT", "SPOT_ETH_USDT"},
               WooOptions o = v3_options(), bool ack = true)
      : FeedRig(std::move(syms), -5, o, /*with_rest=*/true) {
    connect(ack);
  }
  // Connects and, with `ack`, acks every SUBSCRIBE sent with all its topics.
  void connect(bool ack = true) {
    const std::size_t first = out.sent.size();
    feed.on_connected(now);
    if (!ack) return;
    for (std::size_t k = first; k < out.sent.size(); ++k) {
      const std::string& req = out.sent[k];
      const auto id = req.substr(req.find("\"id\":"), req.find(',') - req.find("\"id\":"));
      const auto params = req.substr(req.find('['), req.rfind(']') - req.find('[') + 1);
      frame("{" + id + R"(,"cmd":"SUBSCRIBE","success":true,"time":1,"data":)" + params + "}");
    }
  }
  void delta(const std::string& sym, long prev, long ts, const std::string& bids,
             const std::string& asks = "[]") {
    char buf[1024];
    std::snprintf(
        buf, sizeof buf,
        R"({"topic":"orderbookupdate@%s@50","ts":%ld,"data":{"ts":%ld,"bids":%s,"asks":%s,"prevTs":%ld,"s":"%s"}})",
        sym.c_str(), ts + 1, ts, bids.c_str(), asks.c_str(), prev, sym.c_str());
    frame(buf);
  }
  void rest_reply(std::uint64_t tag, long ts, const std::string& bids, const std::string& asks,
                  int status = 200) {
    char buf[1024];
    std::snprintf(
        buf, sizeof buf,
        R"({"success":true,"data":{"asks":%s,"bids":%s,"timestamp":%ld},"timestamp":%ld})",
        asks.c_str(), bids.c_str(), ts, ts + 40);
    Frame f(buf);
    now += 1'000'000;
    feed.on_rest_reply(tag, status, f.data(), f.len, f.capacity(), 1'700'000'000'000'000'000 + now,
                       now);
  }
  std::size_t gets_for(const std::string& sym) const {
    std::size_t n = 0;
    for (const auto& g : rest.gets) n += g.first.find("symbol=" + sym + "&") != std::string::npos;
    return n;
  }
};

}  // namespace woo_test
