#pragma once
// Helpers for the OCX tests: events as the SSE session hands them over (the
// data padded, the event name and id beside it), and envelopes as the docs
// describe them (PROTOCOLS.md §5).
#include <cstdint>
#include <string>

#include "feeds/common/sse_parser.hpp"
#include "tests/common/feed_test_util.hpp"

namespace ocx_test {

using wirebook::feed_test::Frame;

// One SSE event over a padded copy of `json` (keep the Event alive while used).
struct Event {
  Event(std::string type_, std::string id_, const std::string& json)
      : type(std::move(type_)), id(std::move(id_)), frame(json) {}
  [[nodiscard]] wirebook::feeds::SseEvent view() const {
    wirebook::feeds::SseEvent e;
    e.type = type;
    e.id = id;
    e.id_in_event = !id.empty();
    e.data = frame.data();
    e.len = frame.len;
    e.capacity = frame.capacity();
    return e;
  }
  std::string type;
  std::string id;
  Frame frame;
};

// `[{"price":"p","size":"s","total":"t"}, ...]` from "p:s,p:s".
inline std::string levels(const std::string& spec) {
  std::string out = "[";
  std::size_t at = 0;
  while (at < spec.size()) {
    std::size_t comma = spec.find(',', at);
    if (comma == std::string::npos) comma = spec.size();
    const std::string lv = spec.substr(at, comma - at);
    const std::size_t colon = lv.find(':');
    if (out.size() > 1) out += ',';
    out += "{\"price\":\"" + lv.substr(0, colon) + "\",\"size\":\"" + lv.substr(colon + 1) +
           "\",\"total\":\"0\"}";
    at = comma + 1;
  }
  return out + "]";
}

inline std::string envelope(const std::string& type, std::int64_t seq, const std::string& bids,
                            const std::string& asks, const std::string& market = "BTC-PERP") {
  return "{\"eventId\":\"book-" + std::to_string(seq) + "\",\"eventType\":\"" + type +
         "\",\"eventSeq\":" + std::to_string(seq) +
         ",\"engineTs\":1733400000000,\"sourceTs\":1733400000000,\"payload\":{\"marketId\":\"" +
         market + "\",\"bids\":" + levels(bids) + ",\"asks\":" + levels(asks) + "}}";
}

}  // namespace ocx_test
