#include "feeds/woo/woo_feed.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "feeds/common/clock.hpp"
#include "feeds/common/salvage.hpp"

namespace wirebook::feeds::woo {
namespace {

// Best-effort symbol of a frame that failed to parse: v2 "topic":"<symbol>@...",
// v3 "topic":"<kind>@<symbol>[@depth]".
std::string_view topic_symbol(const char* data, std::size_t len, Protocol p) noexcept {
  const std::string_view frame(data, len);
  if (p == Protocol::v2) return salvage::string_field(frame, "\"topic\"", '@', 64);
  const std::string_view topic = salvage::string_field(frame, "\"topic\"", '"', 128);
  const auto at = topic.find('@');
  if (at == std::string_view::npos) return {};
  const std::string_view rest = topic.substr(at + 1);
  return rest.substr(0, rest.find('@'));
}

// Index encoded in our request ids ("s12", "r3"), or -1.
int id_index(std::string_view id, char prefix) noexcept {
  if (id.size() < 2 || id[0] != prefix) return -1;
  int v = 0;
  for (std::size_t k = 1; k < id.size(); ++k) {
    if (id[k] < '0' || id[k] > '9' || v > 1'000'000) return -1;
    v = v * 10 + (id[k] - '0');
  }
  return v;
}

// v3: the REST book comes off the socket and may be ahead of it, so deltas
// the book already holds (key <= last) still arrive after it: dropped as
// stale, not breaks. Anything else off the chain is a break.
struct PrevIsLastOrOld {
  static Link link(const ChainHead& h, const ChainKeys& k) noexcept {
    if (k.has_prev && k.prev == h.last) return Link::next;
    return k.key <= h.last ? Link::stale : Link::gap;
  }
};

}  // namespace

bool is_spot_symbol(std::string_view symbol) noexcept {
  return symbol.substr(0, 5) == "SPOT_";
}

std::string index_symbol(std::string_view symbol) {
  const auto type_end = symbol.find('_');
  if (type_end == std::string_view::npos || type_end == 0 ||
      symbol.find('_', type_end + 1) == std::string_view::npos) {
    return {};
  }
  return "SPOT" + std::string(symbol.substr(type_end));
}

std::vector<std::string> v3_reference_topics(const std::vector<std::string>& symbols) {
  std::vector<std::string> topics;
  std::vector<std::string> indexes;
  for (const std::string& sym : symbols) {
    if (!is_spot_symbol(sym)) {
      topics.push_back("markprice@" + sym);
      topics.push_back("estfundingrate@" + sym);
      topics.push_back("openinterest@" + sym);
    }
    std::string idx = index_symbol(sym);
    if (!idx.empty() && std::find(indexes.begin(), indexes.end(), idx) == indexes.end()) {
      indexes.push_back(std::move(idx));
    }
  }
  for (const std::string& idx : indexes) topics.push_back("indexprice@" + idx);
  return topics;
}

WooFeed::WooFeed(VenueBooks& books, Outbox& out, WooOptions options, RestOutbox* rest)
    : books_(books),
      out_(out),
      rest_(rest),
      opt_(options),
      parser_(options.max_levels_per_frame, options.max_frame_bytes, options.protocol),
      rest_parser_(options.max_levels_per_frame, options.max_frame_bytes, options.protocol),
      seq_(books, *this,
           SequencerOptions{.stale_after_ns = options.stale_after_ns,
                            .snapshot_timeout_ns = options.snapshot_timeout_ns,
                            .retry_pause_ns = options.snapshot_retry_pause_ns,
                            .quick_retries = options.snapshot_max_retries,
                            .buffer_deltas = true,
                            .keep_breaking_delta = true,
                            .solicited_snapshots_only = true}),
      check_(
          books.size(),
          options.protocol == Protocol::v3 && rest != nullptr ? options.rest_check_interval_ns : 0,
          options.rest_confirm_ns),
      live_at_tick_(books.size(), 0) {
  parser_.set_fast_path(options.fast_path);
  for (std::uint32_t i = 0; i < books.size(); ++i) {
    index_symbol_.push_back(index_symbol(books.symbol(i)));
  }
}

void WooFeed::send(const char* fmt, const std::string& a, const std::string& b) {
  std::array<char, 512> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), fmt, a.c_str(), b.c_str());
  if (n > 0 && static_cast<std::size_t>(n) < buf.size()) {
    out_.send_text(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
}

void WooFeed::on_connected(std::int64_t now_mono_ns) {
  connected_ = true;
  last_rx_ns_ = now_mono_ns;
  last_ping_ns_ = now_mono_ns;
  connected_at_ns_ = now_mono_ns;
  refused_.assign(books_.size(), false);
  saw_delta_.assign(books_.size(), false);
  held_.assign(books_.size(), HeldBook{});
  seq_.on_connected(now_mono_ns);
  if (opt_.protocol == Protocol::v3) {
    subscribe_v3();  // each book's REST GET follows its topic's ack (on_v3_ack)
    return;
  }
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    subscribe_v2(i);
    seq_.request(i, now_mono_ns);
  }
}

void WooFeed::subscribe_v2(std::uint32_t i) {
  const std::string idx = std::to_string(i);
  const std::string& sym = books_.symbol(i);
  send(R"({"id":"s%s","topic":"%s@orderbookupdate","event":"subscribe"})", idx, sym);
  if (opt_.trades) send(R"({"id":"t%s","topic":"%s@trade","event":"subscribe"})", idx, sym);
  if (opt_.bbo) send(R"({"id":"b%s","topic":"%s@bbo","event":"subscribe"})", idx, sym);
  if (!opt_.reference) return;
  if (!is_spot_symbol(sym)) {
    send(R"({"id":"m%s","topic":"%s@markprice","event":"subscribe"})", idx, sym);
    send(R"({"id":"f%s","topic":"%s@estfundingrate","event":"subscribe"})", idx, sym);
    send(R"({"id":"o%s","topic":"%s@openinterest","event":"subscribe"})", idx, sym);
  }
  send(R"({"id":"x%s","topic":"%s@indexprice","event":"subscribe"})", idx, sym);
}

// Topics in batches of kV3TopicsPerRequest, each batch one request "s<n>"
// (config validation keeps a venue within kV3TopicsPerConnection).
void WooFeed::subscribe_v3() {
  std::vector<Topic> all;
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    const std::string& sym = books_.symbol(i);
    all.push_back({"orderbookupdate@" + sym + "@" + std::to_string(opt_.depth), i, true});
    if (opt_.bbo) all.push_back({"bbo@" + sym, i, false});
  }
  if (opt_.reference) {
    std::vector<std::string> symbols;
    for (std::uint32_t i = 0; i < books_.size(); ++i) symbols.push_back(books_.symbol(i));
    for (std::string& t : v3_reference_topics(symbols)) {
      all.push_back({std::move(t), 0, false, true});
    }
  }
  batches_.clear();
  for (std::size_t k = 0; k < all.size(); k += kV3TopicsPerRequest) {
    const std::size_t end = std::min(all.size(), k + kV3TopicsPerRequest);
    batches_.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(k),
                          all.begin() + static_cast<std::ptrdiff_t>(end));
    std::string frame =
        R"({"id":"s)" + std::to_string(batches_.size() - 1) + R"(","cmd":"SUBSCRIBE","params":[)";
    for (std::size_t t = k; t < end; ++t) {
      frame += (t == k ? "\"" : ",\"") + all[t].name + "\"";
    }
    frame += "]}";
    out_.send_text(frame);
  }
  batch_answered_.assign(batches_.size(), false);
}

void WooFeed::on_disconnected(std::int64_t /*now_mono_ns*/) noexcept {
  connected_ = false;
  seq_.on_disconnected();
}

void WooFeed::request_snapshot(std::uint32_t i, std::int64_t /*now_mono_ns*/, int /*attempt*/) {
  if (opt_.protocol == Protocol::v2) {
    send(R"({"id":"r%s","event":"request","params":{"type":"orderbook","symbol":"%s"}})",
         std::to_string(i), books_.symbol(i));
    return;
  }
  // v3 has no WS book request: the REST book (feeds/woo/README.md). A GET that
  // cannot be queued is asked again after the snapshot timeout.
  const std::string target =
      "/v3/public/orderbook?symbol=" + books_.symbol(i) + "&maxLevel=" + std::to_string(opt_.depth);
  if (rest_ == nullptr || !rest_->get(target, i)) bump(books_.counters().errors);
}

void WooFeed::on_rest_reply(std::uint64_t tag, int http_status, const char* data, std::size_t len,
                            std::size_t capacity, std::int64_t recv_realtime_ns,
                            std::int64_t recv_mono_ns) noexcept {
  if ((tag & kTagCheck) != 0) {
    const std::uint64_t book = tag & ~kTagCheck;
    if (book < books_.size()) {
      on_check_reply(static_cast<std::uint32_t>(book), http_status, data, len, capacity,
                     recv_mono_ns);
    }
    return;
  }
  if (tag >= books_.size() || tag >= refused_.size() || refused_[tag]) return;
  const auto i = static_cast<std::uint32_t>(tag);
  if (http_status != 200) {
    const std::string_view body(data, std::min<std::size_t>(len, 200));
    books_.venue_error("GET /v3/public/orderbook", http_status, body);
    seq_.retry_later(i, recv_mono_ns);
    return;
  }
  Message m;
  if (!rest_book_ok(i, data, len, capacity, recv_mono_ns, m)) return;
  if (saw_delta_[i]) {
    apply_rest_book(i, m, recv_realtime_ns, recv_mono_ns);
    return;
  }
  // A book behind the socket can only be told by a delta: until this book
  // has had one on this connection, the REST book is held (apply_held_book).
  HeldBook& h = held_[i];
  try {
    h.body.assign(data, data + capacity);
  } catch (...) {
    bump(books_.counters().errors);
    seq_.retry_later(i, recv_mono_ns);
    return;
  }
  h.len = len;
  h.recv_realtime_ns = recv_realtime_ns;
  h.recv_mono_ns = recv_mono_ns;
}

// Parses a REST book into `m`; a malformed or refused one is asked again later.
bool WooFeed::rest_book_ok(std::uint32_t i, const char* data, std::size_t len, std::size_t capacity,
                           std::int64_t recv_mono_ns, Message& m) noexcept {
  const ParseStatus ps = rest_parser_.parse_rest_book(data, len, capacity, m);
  if (ps != ParseStatus::ok) {
    bump(books_.counters().malformed);
    seq_.retry_later(i, recv_mono_ns);
    return false;
  }
  if (m.kind == MsgKind::error) {
    books_.venue_error("GET /v3/public/orderbook", 0, m.error_msg);
    seq_.retry_later(i, recv_mono_ns);
    return false;
  }
  return true;
}

// The sequencer aligns it on the buffered chain; a book behind the buffer is
// asked again (bounded quick retries, then the timeout), never applied.
void WooFeed::apply_rest_book(std::uint32_t i, const Message& m, std::int64_t recv_realtime_ns,
                              std::int64_t recv_mono_ns) noexcept {
  (void)seq_.on_snapshot<PrevIsLastOrOld>(i, ChainKeys{0, m.data_ts_ms}, m.bids, m.asks,
                                          ms_to_ns(m.data_ts_ms), recv_realtime_ns, recv_mono_ns);
}

// ---- the v3 REST drift check ----------------------------------------------------

void WooFeed::request_rest_checks(std::int64_t now_mono_ns) noexcept {
  for (std::uint32_t i = 0; check_.enabled() && i < books_.size(); ++i) {
    const bool live = seq_.phase(i) == Phase::live;
    // A book (re)gone LIVE since the last tick: a clean slate, its first check an interval on.
    if (live && live_at_tick_[i] == 0) check_.restart(i, now_mono_ns);
    live_at_tick_[i] = live ? 1 : 0;
    if (!live || !check_.take_due(i, now_mono_ns)) continue;
    bool queued = false;
    try {
      queued = rest_->get("/v3/public/orderbook?symbol=" + books_.symbol(i) +
                              "&maxLevel=" + std::to_string(opt_.rest_check_depth),
                          kTagCheck | i);
    } catch (...) {  // the target or the worker's queue could not allocate: later
    }
    if (!queued) {
      ++check_c_.rest_failures;
      check_.failed(i, now_mono_ns);
    }
  }
}

void WooFeed::on_check_reply(std::uint32_t i, int http_status, const char* data, std::size_t len,
                             std::size_t capacity, std::int64_t recv_mono_ns) noexcept {
  Message m;
  if (http_status != 200 ||
      rest_parser_.parse_rest_book(data, len, capacity, m) != ParseStatus::ok ||
      m.kind == MsgKind::error) {
    ++check_c_.rest_failures;
    check_.failed(i, recv_mono_ns);
    return;
  }
  if (seq_.phase(i) != Phase::live) {  // resyncing meanwhile: nothing to compare
    check_.failed(i, recv_mono_ns);
    return;
  }
  compare_rest_top(i, m, recv_mono_ns);
}

// Compared only at the live book's own place in the chain (woo_feed.hpp).
void WooFeed::compare_rest_top(std::uint32_t i, const Message& m, std::int64_t mono_ns) noexcept {
  const std::int64_t live_ts = seq_.head(i).last;
  if (m.data_ts_ms != live_ts) {
    ++(m.data_ts_ms < live_ts ? check_c_.rest_behind : check_c_.rest_ahead);
    (void)check_.inconclusive(i, mono_ns);
    return;
  }
  ++check_c_.rest_checks;
  const RestVerdict v = check_.compare(i, books_, m.bids, m.asks, opt_.rest_check_depth, mono_ns);
  if (v != RestVerdict::same) ++check_c_.rest_mismatches;
  if (v != RestVerdict::drift) return;
  ++check_c_.drift_alarms;
  books_.drift_alarm(i);
  seq_.resync(i, -1, -1, mono_ns);  // a fresh REST book, aligned as after a gap
}

void WooFeed::apply_held_book(std::uint32_t i, std::int64_t now_mono_ns) noexcept {
  HeldBook& h = held_[i];
  if (h.body.empty()) return;
  Message m;
  if (rest_book_ok(i, h.body.data(), h.len, h.body.size(), now_mono_ns, m)) {
    apply_rest_book(i, m, h.recv_realtime_ns, now_mono_ns);
  }
  h.body.clear();
}

// v3 chains on data.ts, the book's generation time (the envelope ts is the
// send time, §1.5.3).
void WooFeed::on_book_message(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                              std::int64_t mono_ns) noexcept {
  if (m.kind == MsgKind::book_update) {
    if (opt_.protocol == Protocol::v3) {
      seq_.on_delta<PrevIsLastOrOld>(i, ChainKeys{m.prev_ts_ms, m.data_ts_ms}, m.bids, m.asks,
                                     ms_to_ns(m.data_ts_ms), recv_ns, mono_ns);
    } else {
      seq_.on_delta<PrevIsLast>(i, ChainKeys{m.prev_ts_ms, m.ts_ms}, m.bids, m.asks,
                                ms_to_ns(m.ts_ms), recv_ns, mono_ns);
    }
  } else {
    (void)seq_.on_snapshot<PrevIsLast>(i, ChainKeys{0, m.data_ts_ms}, m.bids, m.asks,
                                       ms_to_ns(m.data_ts_ms), recv_ns, mono_ns);
  }
}

void WooFeed::on_error(const Message& m, std::int64_t mono_ns) noexcept {
  books_.venue_error(m.id.empty() ? std::string_view("request") : m.id, 0, m.error_msg);
  if (opt_.protocol == Protocol::v3) {
    // A refused SUBSCRIBE request refuses every topic in it.
    if (const int b = id_index(m.id, 's');
        b >= 0 && static_cast<std::size_t>(b) < batches_.size()) {
      batch_answered_[static_cast<std::size_t>(b)] = true;
      for (const Topic& t : batches_[static_cast<std::size_t>(b)]) {
        if (t.is_book) refuse_book(t.book);
        if (t.is_reference) ++ref_c_.refused_topics;
      }
    }
    return;
  }
  if (const int s = id_index(m.id, 's'); s >= 0 && static_cast<std::uint32_t>(s) < books_.size()) {
    seq_.refuse(static_cast<std::uint32_t>(s));  // stays SYNCING: never trusted
    return;
  }
  if (const int r = id_index(m.id, 'r'); r >= 0 && static_cast<std::uint32_t>(r) < books_.size()) {
    seq_.retry_later(static_cast<std::uint32_t>(r), mono_ns);
    return;
  }
  // A refused v2 reference topic (ids m/f/o/x<i>): logged above, no book touched.
  for (const char prefix : {'m', 'f', 'o', 'x'}) {
    if (id_index(m.id, prefix) >= 0) ++ref_c_.refused_topics;
  }
}

// Mark, index, funding and open interest into the books' reference slots.
void WooFeed::on_reference(const Message& m, std::int64_t recv_ns) noexcept {
  if (!opt_.reference) {  // not subscribed: as before, a topic we do not use
    bump(books_.counters().unexpected);
    return;
  }
  ReferenceText t;
  switch (m.kind) {
    case MsgKind::mark_price:
      t.mark_price = m.price;
      break;
    case MsgKind::index_price:
      t.index_price = m.price;
      break;
    case MsgKind::funding_rate:
      t.funding_rate = m.funding_rate;
      // v3 `ft` only; v2 `fundingTs` is undocumented and not read (parser.cpp).
      if (m.has_next_funding) t.next_funding_ns = ms_to_ns(m.next_funding_ms);
      break;
    default:
      t.open_interest = m.open_interest;
      break;
  }
  const bool v3 = opt_.protocol == Protocol::v3;
  const std::int64_t exchange_ns = ms_to_ns(v3 ? m.data_ts_ms : m.ts_ms);
  if (v3 && m.kind == MsgKind::index_price) {
    // Keyed by the spot symbol: every book on that underlying takes it.
    bool matched = false;
    for (std::uint32_t i = 0; i < index_symbol_.size(); ++i) {
      if (index_symbol_[i] != m.symbol) continue;
      matched = true;
      publish_reference(i, t, exchange_ns, recv_ns);
    }
    if (!matched) ++ref_c_.unmatched;
    return;
  }
  const int i = books_.find(m.symbol);
  if (i < 0) {
    ++ref_c_.unmatched;
    return;
  }
  publish_reference(static_cast<std::uint32_t>(i), t, exchange_ns, recv_ns);
}

void WooFeed::publish_reference(std::uint32_t i, const ReferenceText& t, std::int64_t exchange_ns,
                                std::int64_t recv_ns) noexcept {
  if (books_.reference(i, t, exchange_ns, recv_ns) == ReferenceResult::ok) {
    ++ref_c_.published;
  } else {
    ++ref_c_.rejected;  // VenueBooks counted it malformed and noticed it
  }
}

// A v3 ack lists the topics taken; the venue acks an unknown or refused
// topic with success:true and leaves it out (PROTOCOLS §1.9).
// A book's snapshot is asked for once its topic is taken: deltas are then
// on their way on this socket and get buffered (the documented order:
// subscribe, buffer, then GET the book).
void WooFeed::on_v3_ack(const Message& m, std::int64_t mono_ns) noexcept {
  const int b = id_index(m.id, 's');
  if (b < 0 || static_cast<std::size_t>(b) >= batches_.size()) return;
  batch_answered_[static_cast<std::size_t>(b)] = true;
  for (const Topic& t : batches_[static_cast<std::size_t>(b)]) {
    const bool taken =
        std::find(m.acked.begin(), m.acked.end(), std::string_view(t.name)) != m.acked.end();
    if (taken) {
      if (t.is_book) seq_.request(t.book, mono_ns);
      continue;
    }
    refuse_topic(t.name);
    if (t.is_book) refuse_book(t.book);
    if (t.is_reference) ++ref_c_.refused_topics;
  }
}

// A SUBSCRIBE the venue never answered: logged once, and its books are
// asked for anyway (their REST books wait for a delta, or go LIVE
// unconfirmed and then STALE if no data comes).
void WooFeed::check_unanswered_batches(std::int64_t now_mono_ns) noexcept {
  if (now_mono_ns - connected_at_ns_ < opt_.snapshot_timeout_ns) return;
  for (std::size_t b = 0; b < batches_.size(); ++b) {
    if (batch_answered_[b]) continue;
    batch_answered_[b] = true;
    books_.venue_error("SUBSCRIBE", 0, "no answer to a SUBSCRIBE request");
    for (const Topic& t : batches_[b]) {
      if (t.is_book) seq_.request(t.book, now_mono_ns);
    }
  }
}

void WooFeed::refuse_book(std::uint32_t i) noexcept {
  refused_[i] = true;
  seq_.refuse(i);  // stays SYNCING: never trusted, never asked again
}

void WooFeed::refuse_topic(const std::string& topic) noexcept {
  try {
    books_.venue_error("SUBSCRIBE", 0, "topic refused (not in the ack): " + topic);
  } catch (...) {
    bump(books_.counters().errors);
  }
}

void WooFeed::send_pong() noexcept {
  try {
    out_.send_text(R"({"event":"pong"})");
  } catch (...) {
    bump(books_.counters().errors);
  }
}

void WooFeed::send_ping() noexcept {
  try {
    if (opt_.protocol == Protocol::v3) {
      out_.send_text(R"({"cmd":"PING","ts":)" + std::to_string(realtime_ns() / 1'000'000) + "}");
    } else {
      out_.send_text(R"({"event":"ping"})");
    }
  } catch (...) {
    bump(books_.counters().errors);
  }
}

FeedAction WooFeed::on_frame(const char* data, std::size_t len, std::size_t capacity,
                             std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept {
  VenueCounters& c = books_.counters();
  bump(c.frames);
  bump(c.bytes, len);
  last_rx_ns_ = recv_mono_ns;
  Message m;
  const ParseStatus ps = parser_.parse(data, len, capacity, m);
  if (ps != ParseStatus::ok) {
    bump(c.malformed);
    // A broken frame may have been a delta of some symbol: resync it at once
    // when the topic is still readable, otherwise its next delta shows the break.
    const int i = books_.find(topic_symbol(data, len, opt_.protocol));
    if (i >= 0) seq_.on_broken_frame(static_cast<std::uint32_t>(i), recv_mono_ns);
    return FeedAction::none;
  }
  switch (m.kind) {
    case MsgKind::book_update:
    case MsgKind::request_reply:
    case MsgKind::trade:
    case MsgKind::bbo: {
      const int i = books_.find(m.symbol);
      if (i < 0) {
        bump(c.unexpected);
        return FeedAction::none;
      }
      const auto u = static_cast<std::uint32_t>(i);
      if (m.kind == MsgKind::book_update || m.kind == MsgKind::request_reply) {
        on_book_message(u, m, recv_realtime_ns, recv_mono_ns);
        if (opt_.protocol == Protocol::v3 && m.kind == MsgKind::book_update) {
          saw_delta_[u] = true;
          apply_held_book(u, recv_mono_ns);  // the delta is buffered: it checks the book
        }
      } else if (m.kind == MsgKind::trade) {
        const auto side = (m.side == "SELL") ? book::Side::ask : book::Side::bid;
        books_.trade(u, side, m.price, m.size, ms_to_ns(m.ts_ms), recv_realtime_ns);
      } else {
        books_.bbo(u, m.bid, m.bid_size, m.ask, m.ask_size, ms_to_ns(m.ts_ms), recv_realtime_ns);
      }
      return FeedAction::none;
    }
    case MsgKind::ping:
      // v3 documents no server ping (its frame only keeps the socket alive);
      // v2 expects a pong.
      if (opt_.protocol == Protocol::v2) send_pong();
      return FeedAction::none;
    case MsgKind::error:
      on_error(m, recv_mono_ns);
      return FeedAction::none;
    case MsgKind::subscribe_ack:
      if (opt_.protocol == Protocol::v3) on_v3_ack(m, recv_mono_ns);
      return FeedAction::none;
    case MsgKind::mark_price:
    case MsgKind::index_price:
    case MsgKind::funding_rate:
    case MsgKind::open_interest:
      on_reference(m, recv_realtime_ns);
      return FeedAction::none;
    case MsgKind::pong:
    case MsgKind::unsubscribe_ack:
      return FeedAction::none;
    case MsgKind::book_snapshot:
    case MsgKind::other:
      bump(c.unexpected);
      return FeedAction::none;
  }
  return FeedAction::none;
}

FeedAction WooFeed::on_timer(std::int64_t now) noexcept {
  if (!connected_) return FeedAction::none;
  if (now - last_rx_ns_ > opt_.dead_after_ns) return FeedAction::reconnect;
  if (opt_.max_connection_age_ns > 0 && now - connected_at_ns_ >= opt_.max_connection_age_ns) {
    // Ours before the venue's: books flagged now and rebuilt on the new
    // connection, instead of a cut at an unknown moment.
    ++planned_reconnects_;
    return FeedAction::reconnect;
  }
  if (now - last_ping_ns_ >= opt_.ping_interval_ns) {
    last_ping_ns_ = now;
    send_ping();
  }
  if (opt_.protocol == Protocol::v3) check_unanswered_batches(now);
  for (std::uint32_t i = 0; i < held_.size(); ++i) {
    if (!held_[i].body.empty() && now - held_[i].recv_mono_ns >= opt_.rest_confirm_wait_ns) {
      apply_held_book(i, now);  // a quiet book: unconfirmed, its next delta checks it
    }
  }
  seq_.on_timer(now);
  request_rest_checks(now);
  return FeedAction::none;
}

}  // namespace wirebook::feeds::woo
