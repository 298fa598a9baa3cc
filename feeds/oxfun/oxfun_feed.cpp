#include "feeds/oxfun/oxfun_feed.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include "book/decimal.hpp"
#include "feeds/common/clock.hpp"
#include "feeds/common/salvage.hpp"

namespace wirebook::feeds::oxfun {
namespace {

// Best-effort market of a frame that failed to parse (cold path).
std::string_view market_in(const char* data, std::size_t len) noexcept {
  return salvage::string_field(std::string_view(data, len), "\"marketCode\"", '"', 64);
}

// The instrument of "<prefix>:<market>", when the prefix matches.
int channel_market(const VenueBooks& books, std::string_view channel,
                   std::string_view prefix) noexcept {
  if (channel.size() <= prefix.size() + 1 || !channel.starts_with(prefix) ||
      channel[prefix.size()] != ':') {
    return -1;
  }
  return books.find(channel.substr(prefix.size() + 1));
}

// One side of the book equals the pushed complete side (text at the book's
// exponents; a value that needs more decimals cannot be equal). A book at
// its capacity holds only the best levels: those must match.
bool side_equals(const book::L2Book& b, book::Side side, std::span<const LevelText> pushed,
                 int px_exp, int qty_exp) noexcept {
  const std::size_t count = b.level_count(side);
  if (count != pushed.size() && !(count == b.max_levels() && pushed.size() > count)) return false;
  pushed = pushed.first(count);
  bool equal = true;
  const std::size_t n = b.visit_top(side, pushed.size(), [&](std::size_t k, const book::Level& l) {
    std::int64_t px = 0;
    std::int64_t qty = 0;
    equal = equal && book::parse_decimal(pushed[k].px, px_exp, px) == book::DecimalError::ok &&
            book::parse_decimal(pushed[k].qty, qty_exp, qty) == book::DecimalError::ok &&
            px == l.px && qty == l.qty;
  });
  return equal && n == pushed.size();
}

}  // namespace

OxfunFeed::OxfunFeed(VenueBooks& books, Outbox& out, OxfunOptions options)
    : books_(books),
      out_(out),
      opt_(std::move(options)),
      parser_(opt_.max_levels_per_frame, opt_.max_frame_bytes),
      seq_(books, *this,
           SequencerOptions{.stale_after_ns = opt_.stale_after_ns,
                            .snapshot_timeout_ns = opt_.snapshot_timeout_ns,
                            .buffer_deltas = true}),
      pacer_(opt_.request_interval_ns),
      resub_(books.size(), 0),
      refused_(books.size(), 0) {
  if (opt_.args_per_frame == 0) opt_.args_per_frame = 1;
  refusals_.reserve(16);
}

// ---- connection and requests (cold) ---------------------------------------

void OxfunFeed::on_connected(std::int64_t now_mono_ns) {
  connected_ = true;
  started_ = false;
  authed_ = false;
  resub_due_ = false;
  connected_ns_ = last_rx_ns_ = last_ping_ns_ = now_mono_ns;
  login_retry_at_ns_ = 0;
  missed_pongs_ = 0;
  pong_pending_ = false;
  pacer_.clear();
  std::fill(resub_.begin(), resub_.end(), 0);
  std::fill(refused_.begin(), refused_.end(), 0);
  seq_.on_connected(now_mono_ns);
}

void OxfunFeed::on_disconnected(std::int64_t /*now_mono_ns*/) noexcept {
  connected_ = false;
  seq_.on_disconnected();
  try {
    refusals_.clear();
    ledger_.flush(refusals_);  // refusals never paired with a channel: log them by frame
    apply_refusals(refusals_);
  } catch (...) {
    bump(books_.counters().errors);
  }
}

// The greeting came (or did not in time): login first, then the public
// channels, many args per frame, every book awaiting its partial.
void OxfunFeed::start_requests(std::int64_t now_mono_ns) {
  started_ = true;
  if (wants_login()) queue_login();
  std::vector<SubscribeArg> args;
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    const std::string& m = books_.symbol(i);
    const int ii = static_cast<int>(i);
    args.push_back({"depthUpdate:" + m, ii});
    if (opt_.trades) args.push_back({"trade:" + m, ii});
    if (opt_.bbo) args.push_back({"bestBidAsk:" + m, ii});
    if (opt_.depth_check) args.push_back({"depth:" + m, ii});
    if (opt_.reference) args.push_back({"ticker:" + m, ii});
    seq_.awaiting(i, now_mono_ns);  // the subscription brings the partial
  }
  subscribe(std::move(args));
}

// Splits `args` into frames of at most args_per_frame and queues them.
void OxfunFeed::subscribe(std::vector<SubscribeArg> args) {
  for (std::size_t k = 0; k < args.size(); k += opt_.args_per_frame) {
    const std::size_t n = std::min(opt_.args_per_frame, args.size() - k);
    std::vector<SubscribeArg> part(args.begin() + static_cast<std::ptrdiff_t>(k),
                                   args.begin() + static_cast<std::ptrdiff_t>(k + n));
    std::vector<std::string> channels;
    for (const SubscribeArg& a : part) channels.push_back(a.channel);
    const std::string tag = ledger_.open(std::move(part));
    pacer_.push(args_frame("subscribe", tag, channels));
  }
}

void OxfunFeed::queue_login() {
  // "current millisecond timestamp" (§4.2); the signature never leaves this frame.
  const std::string ts = std::to_string(realtime_ns() / 1'000'000);
  pacer_.push(login_frame(kLoginTag, opt_.api_key, opt_.api_secret, ts));
}

void OxfunFeed::request_snapshot(std::uint32_t i, std::int64_t /*now_mono_ns*/, int /*attempt*/) {
  if (refused_[i] != 0) return;
  resub_[i] = 1;
  resub_due_ = true;
}

// One unsubscribe and one subscribe frame for every market due: the venue
// sends a partial for a fresh subscription (§4.3 step 2).
void OxfunFeed::queue_resubscribes() {
  resub_due_ = false;
  std::vector<std::string> channels;
  std::vector<SubscribeArg> args;
  for (std::uint32_t i = 0; i < books_.size(); ++i) {
    if (resub_[i] == 0) continue;
    resub_[i] = 0;
    channels.push_back("depthUpdate:" + books_.symbol(i));
    args.push_back({channels.back(), static_cast<int>(i)});
    ++c_.resubscribes;
  }
  if (channels.empty()) return;
  for (std::size_t k = 0; k < channels.size(); k += opt_.args_per_frame) {
    const std::size_t n = std::min(opt_.args_per_frame, channels.size() - k);
    pacer_.push(
        args_frame("unsubscribe", "u", std::span<const std::string>(channels.data() + k, n)));
  }
  subscribe(std::move(args));
}

void OxfunFeed::send_requests(std::int64_t now_mono_ns) {
  if (!started_) {
    if (now_mono_ns - connected_ns_ < opt_.greeting_timeout_ns) return;
    ++c_.greeting_timeouts;  // the nonce frame is undocumented: go on without it
    start_requests(now_mono_ns);
  }
  if (login_retry_at_ns_ != 0 && now_mono_ns >= login_retry_at_ns_) {
    login_retry_at_ns_ = 0;
    queue_login();
  }
  if (resub_due_) queue_resubscribes();
  const std::uint64_t before = pacer_.sent();
  pacer_.drain(out_, now_mono_ns);
  c_.requests_sent += pacer_.sent() - before;
}

bool OxfunFeed::keepalive(std::int64_t now_mono_ns) {
  if (now_mono_ns - last_ping_ns_ < opt_.ping_interval_ns) return true;
  last_ping_ns_ = now_mono_ns;
  if (pong_pending_) {
    ++c_.missed_pongs;
    if (++missed_pongs_ >= opt_.max_missed_pongs) return false;
  }
  out_.send_text("ping");  // plain text, answered by text "pong" (§4.1)
  pong_pending_ = true;
  return true;
}

FeedAction OxfunFeed::on_timer(std::int64_t now) noexcept {
  if (!connected_) return FeedAction::none;
  if (now - last_rx_ns_ > opt_.dead_after_ns) return FeedAction::reconnect;
  try {
    if (!keepalive(now)) return FeedAction::reconnect;
    send_requests(now);
  } catch (...) {
    bump(books_.counters().errors);  // allocation or send failed: the next tick retries
  }
  seq_.on_timer(now);
  return FeedAction::none;
}

// ---- acks, refusals, login (cold frames) ------------------------------------

void OxfunFeed::apply_refusals(std::vector<Refusal>& refusals) {
  for (const Refusal& r : refusals) {
    ++c_.refused_subscriptions;
    books_.venue_error("subscribe " + r.arg.channel, code_value(r.code), r.message);
    const int i = channel_market(books_, r.arg.channel, "depthUpdate");
    if (i >= 0) {
      refused_[static_cast<std::size_t>(i)] = 1;
      seq_.refuse(static_cast<std::uint32_t>(i));  // stays SYNCING: never trusted
    }
  }
  refusals.clear();
}

void OxfunFeed::on_ack(const Message& m, std::int64_t /*mono_ns*/) noexcept {
  try {
    refusals_.clear();
    ledger_.acked(m.channel, refusals_);
    apply_refusals(refusals_);
  } catch (...) {
    bump(books_.counters().errors);
  }
}

void OxfunFeed::on_refusal(const Message& m, std::int64_t mono_ns) noexcept {
  if (m.event == "login" || m.tag == kLoginTag) {
    on_login(false, m, mono_ns);
    return;
  }
  try {
    refusals_.clear();
    if (m.event == "subscribe" && ledger_.refused(m.tag, m.channel, m.code, m.message, refusals_)) {
      apply_refusals(refusals_);
      return;
    }
  } catch (...) {
    bump(books_.counters().errors);
  }
  // Anything else (an unsubscribe we sent while resyncing, a request the
  // venue could not read): logged, nothing to flag.
  const std::string_view what = m.event.empty() ? std::string_view("request") : m.event;
  books_.venue_error(what, code_value(m.code), m.message);
}

void OxfunFeed::on_login(bool ok, const Message& m, std::int64_t mono_ns) noexcept {
  if (!ok) {
    ++c_.login_refusals;
    authed_ = false;
    books_.venue_error("login", code_value(m.code), m.message);  // the venue's words only
    login_retry_at_ns_ = mono_ns + opt_.login_retry_ns;          // public books carry on
    return;
  }
  ++c_.logins;
  const bool first = !authed_;
  authed_ = true;
  if (!first || !opt_.positions) return;
  try {
    subscribe({SubscribeArg{"position:all", -1}});
  } catch (...) {
    bump(books_.counters().errors);
  }
}

// ---- books and events (hot) -------------------------------------------------

void OxfunFeed::on_book(std::uint32_t i, const Message& m, std::int64_t recv_ns,
                        std::int64_t mono_ns) noexcept {
  const std::int64_t ts_ns = ms_to_ns(m.ts_ms);
  if (m.kind == MsgKind::depth_snapshot) {
    // The snapshot covers every diff before its seqNum; the diff carrying
    // the same seqNum is the first to apply (§4.3 rules 4-5).
    (void)seq_.on_snapshot<SeqNumChain<JumpPolicy::break_chain>>(
        i, ChainKeys{0, m.seq_num - 1, false, true}, m.bids, m.asks, ts_ns, recv_ns, mono_ns);
    return;
  }
  const ChainKeys keys{0, m.seq_num, false, true};
  if (seq_.phase(i) == Phase::live && m.seq_num > seq_.head(i).last + 1) {
    note_jump(i, seq_.head(i).last, m.seq_num);
  }
  if (opt_.jumps == JumpPolicy::count) {
    seq_.on_delta<SeqNumChain<JumpPolicy::count>>(i, keys, m.bids, m.asks, ts_ns, recv_ns, mono_ns);
  } else {
    seq_.on_delta<SeqNumChain<JumpPolicy::break_chain>>(i, keys, m.bids, m.asks, ts_ns, recv_ns,
                                                        mono_ns);
  }
}

// A seqNum jump (PROTOCOLS §7 item 4: contiguity is not documented): counted,
// and noted for the daemon's log with the market, both numbers and what the
// policy made of it. Rare, so formatting here costs the hot path nothing.
void OxfunFeed::note_jump(std::uint32_t i, std::int64_t last, std::int64_t seq_num) noexcept {
  ++c_.seq_jumps;
  std::array<char, 160> text{};
  const int n = std::snprintf(text.data(), text.size(), "seqNum jump on %s: %lld after %lld (%s)",
                              books_.symbol(i).c_str(), static_cast<long long>(seq_num),
                              static_cast<long long>(last),
                              opt_.jumps == JumpPolicy::count ? "counted, applied" : "resync");
  if (n > 0) books_.notice({text.data(), std::min(static_cast<std::size_t>(n), text.size() - 1)});
}

// The venue's full book at seqNum N must equal the incremental book that
// has applied every diff up to N (the chain head).
void OxfunFeed::check_depth(std::uint32_t i, const Message& m, std::int64_t mono_ns) noexcept {
  if (!opt_.depth_check || seq_.phase(i) != Phase::live || seq_.head(i).last != m.seq_num) return;
  ++c_.depth_checks;
  const book::L2Book& b = books_.book(i);
  const int px_exp = books_.px_exp(i);
  const int qty_exp = books_.qty_exp(i);
  if (side_equals(b, book::Side::bid, m.bids, px_exp, qty_exp) &&
      side_equals(b, book::Side::ask, m.asks, px_exp, qty_exp)) {
    return;
  }
  ++c_.depth_drift;
  seq_.resync(i, m.seq_num, m.seq_num, mono_ns);
}

// Positions go to the venue-neutral positions section as the venue's texts;
// VenueBooks converts them exactly. A rejected one (a bad number or name, a
// full section) is counted and kept for the log there, and counted here too,
// so the OX.FUN counters alone say whether every update reached the segment.
// margin and leverage are published as sent ("currently always reports 0").
void OxfunFeed::hand_over_position(const PositionFields& p, std::int64_t exchange_ns,
                                   std::int64_t recv_ns) noexcept {
  const PositionText text{.quantity = p.quantity,
                          .entry_price = p.entry_price,
                          .pnl = p.pnl,
                          .liquidation_price = p.liquidation_price,
                          .margin = p.margin,
                          .leverage = p.leverage};
  if (books_.position(p.instrument, text, exchange_ns, recv_ns) != PositionResult::ok) {
    ++c_.positions_rejected;
  }
}

void OxfunFeed::on_events(const Message& m, std::int64_t recv_ns) noexcept {
  if (m.kind == MsgKind::positions) {
    for (const PositionFields& p : m.positions) {
      ++c_.position_updates;
      hand_over_position(p, ms_to_ns(p.last_updated_ms), recv_ns);
    }
    return;
  }
  for (const TradeText& t : m.trades) {
    const int i = books_.find(t.market);
    if (i < 0) {
      ++c_.unknown_market;
      continue;
    }
    ++c_.trades;
    const auto side = t.side == "SELL" ? book::Side::ask : book::Side::bid;
    books_.trade(static_cast<std::uint32_t>(i), side, t.price, t.quantity, ms_to_ns(t.ts_ms),
                 recv_ns);
  }
}

// Ticker items (docs.ox.fun "Ticker"): one per market, or several in one
// frame. lastMarkPrice is the previous reading and is not published.
void OxfunFeed::on_tickers(const Message& m, std::int64_t recv_ns) noexcept {
  for (const TickerText& t : m.tickers) {
    const int i = books_.find(t.market);
    if (i < 0) {
      ++c_.tickers_unknown;
      continue;
    }
    ReferenceText text;  // no funding on the websocket: not carried
    text.mark_price = t.mark_price;
    text.index_price = t.index_price;
    text.open_interest = t.open_interest;
    if (books_.reference(static_cast<std::uint32_t>(i), text, ms_to_ns(t.ts_ms), recv_ns) ==
        ReferenceResult::ok) {
      ++c_.tickers;
    } else {
      ++c_.tickers_rejected;
    }
  }
}

FeedAction OxfunFeed::on_frame(const char* data, std::size_t len, std::size_t capacity,
                               std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept {
  VenueCounters& c = books_.counters();
  bump(c.frames);
  bump(c.bytes, len);
  last_rx_ns_ = recv_mono_ns;
  Message m;
  if (parser_.parse(data, len, capacity, m) != ParseStatus::ok) {
    bump(c.malformed);
    // A broken diff of some market: resync it at once when its marketCode is
    // still readable, otherwise its next diff shows the break.
    const int i = books_.find(market_in(data, len));
    if (i >= 0) seq_.on_broken_frame(static_cast<std::uint32_t>(i), recv_mono_ns);
    return FeedAction::none;
  }
  switch (m.kind) {
    case MsgKind::depth_snapshot:
    case MsgKind::depth_diff:
    case MsgKind::depth_full:
    case MsgKind::best_bid_ask: {
      const int i = books_.find(m.market);
      if (i < 0) {
        ++c_.unknown_market;
        bump(c.unexpected);
        return FeedAction::none;
      }
      const auto u = static_cast<std::uint32_t>(i);
      if (m.kind == MsgKind::depth_full) {
        check_depth(u, m, recv_mono_ns);
      } else if (m.kind == MsgKind::best_bid_ask) {
        if (m.best_bid.px.empty() || m.best_ask.px.empty()) return FeedAction::none;
        ++c_.bbos;
        books_.bbo(u, m.best_bid.px, m.best_bid.qty, m.best_ask.px, m.best_ask.qty,
                   ms_to_ns(m.ts_ms), recv_realtime_ns);
      } else {
        on_book(u, m, recv_realtime_ns, recv_mono_ns);
      }
      return FeedAction::none;
    }
    case MsgKind::trades:
    case MsgKind::positions:
      on_events(m, recv_realtime_ns);
      return FeedAction::none;
    case MsgKind::tickers:
      if (!opt_.reference) {
        bump(c.unexpected);  // never subscribed
        return FeedAction::none;
      }
      on_tickers(m, recv_realtime_ns);
      return FeedAction::none;
    case MsgKind::greeting:
      ++c_.greetings;
      if (!started_) {
        try {
          start_requests(recv_mono_ns);
        } catch (...) {
          bump(c.errors);
        }
      }
      return FeedAction::none;
    case MsgKind::pong:
      ++c_.pongs;
      pong_pending_ = false;
      missed_pongs_ = 0;
      return FeedAction::none;
    case MsgKind::subscribe_ack:
      on_ack(m, recv_mono_ns);
      return FeedAction::none;
    case MsgKind::login_ack:
      on_login(true, m, recv_mono_ns);
      return FeedAction::none;
    case MsgKind::error:
      on_refusal(m, recv_mono_ns);
      return FeedAction::none;
    case MsgKind::unsubscribe_ack:
      return FeedAction::none;
    case MsgKind::depth_fixed:
      ++c_.fixed_depth_frames;
      return FeedAction::none;
    case MsgKind::other:
      bump(c.unexpected);
      return FeedAction::none;
  }
  return FeedAction::none;
}

}  // namespace wirebook::feeds::oxfun
