#include "tools/sim/venue.hpp"

#include <time.h>

#include <algorithm>
#include <array>

#include "tools/sim/text.hpp"

namespace wirebook::sim {

namespace {
constexpr double rate_of(const FaultRates& r, FaultKind k) {
  return r.rate[static_cast<std::size_t>(k)];
}
}  // namespace

Venue::Venue(const VenueModule& module, VenueOptions opts)
    : opts_(std::move(opts)),
      module_(module),
      specs_(venue_symbols(module, opts_.symbols)),
      market_rng_(derive_seed(opts_.seed, std::string(module.name) + ":market")),
      format_rng_(derive_seed(opts_.seed, std::string(module.name) + ":format")),
      conn_rng_(derive_seed(opts_.seed, std::string(module.name) + ":connections")) {
  const std::string vname(module.name);
  const std::int64_t now = wall_ms();
  gens_.reserve(specs_.size());
  for (const SymbolSpec& s : specs_) {
    gens_.emplace_back(s, opts_.gen, derive_seed(opts_.seed, vname + ":book:" + s.name));
    dice_.emplace_back(opts_.faults.for_symbol(s.name),
                       derive_seed(opts_.seed, vname + ":faults:" + s.name));
    last_ts_ms_.push_back(now);
    held_.emplace_back();
    // In counted-break mode a symbol takes faults only once a client holds a snapshot of it.
    awaiting_snapshot_.push_back(opts_.faults_wait_resync ? 1 : 0);
    settle_left_.push_back(0);
  }
}

bool Venue::settled(std::size_t sym) const noexcept {
  return awaiting_snapshot_[sym] == 0 && settle_left_[sym] == 0;
}

bool Venue::all_settled() const noexcept {
  for (std::size_t i = 0; i < specs_.size(); ++i)
    if (!settled(i)) return false;
  return module_settled();
}

void Venue::snapshot_served(std::size_t sym, const VenueSession& session) {
  if (!opts_.faults_wait_resync || sym >= specs_.size()) return;
  if (session.breaks_before < breaks_) return;
  awaiting_snapshot_[sym] = 0;
  settle_left_[sym] = opts_.settle_frames;
}

void Venue::break_all() {
  if (!opts_.faults_wait_resync) return;
  ++breaks_;
  std::fill(awaiting_snapshot_.begin(), awaiting_snapshot_.end(), std::uint8_t{1});
}

bool Venue::fault_window_open() const noexcept {
  if (opts_.frames == 0 || stats_.events.load(std::memory_order_relaxed) <= opts_.frames) {
    return true;
  }
  // Past `frames`: a counted run with a fault quota keeps injecting until it is met.
  return opts_.faults_wait_resync && opts_.max_faults != 0 && faults_noted_ < opts_.max_faults;
}

void Venue::mask_unsettled(std::size_t sym, DeltaVerdict& v) const noexcept {
  const bool capped = opts_.max_faults != 0 && faults_noted_ >= opts_.max_faults;
  // Where one symbol's resync re-snapshots every symbol, a fault waits for all
  // of them: a snapshot still on its way from an earlier resync would hide it.
  const bool ready = resync_takes_every_symbol() ? all_settled() : settled(sym);
  if (!fault_window_open() || capped || !ready) {
    v = DeltaVerdict{};
    return;
  }
  // One fault per frame, and a stream fault only when every symbol has settled.
  if (v.data != FaultKind::count_ || !all_settled()) {
    v.stall = v.tcp_close = v.mid_frame_close = false;
  }
}

void Venue::note_fault(std::size_t sym, const DeltaVerdict& v, bool delivered) {
  if (!opts_.faults_wait_resync) return;
  faults_noted_ += (v.data != FaultKind::count_ ? 1U : 0U) + (v.stall ? 1U : 0U) +
                   (delivered && (v.tcp_close || v.mid_frame_close) ? 1U : 0U);
  if (v.data == FaultKind::oversize || (delivered && (v.tcp_close || v.mid_frame_close))) {
    // The client reconnects: every symbol on the connection needs a fresh snapshot.
    if (connection_per_symbol()) {
      awaiting_snapshot_[sym] = 1;
    } else {
      break_all();
    }
  } else if (v.data == FaultKind::corrupt_level) {
    // Only the client's resync (after its check) repairs the level: the
    // market holds still until then (market_held).
    awaiting_snapshot_[sym] = 1;
    held_for_ = sym;
    held_since_ = Clock::now();
  } else if (v.data != FaultKind::count_) {
    if (breaks_chain(v.data)) {
      if (resync_takes_every_symbol()) {
        std::fill(awaiting_snapshot_.begin(), awaiting_snapshot_.end(), std::uint8_t{1});
      } else {
        awaiting_snapshot_[sym] = 1;
      }
    }
  } else if (settle_left_[sym] > 0 && awaiting_snapshot_[sym] == 0) {
    --settle_left_[sym];  // one more clean delta after the snapshot
  }
  if (v.stall) {
    for (auto& left : settle_left_) left = std::max(left, opts_.settle_frames);
  }
}

std::int64_t Venue::wall_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t Venue::next_ts_ms(std::size_t sym) {
  // Envelope ts is a millisecond clock; faster-than-1-kHz books still need
  // distinct, increasing values per symbol for the prevTs chain.
  last_ts_ms_[sym] = std::max(wall_ms(), last_ts_ms_[sym] + 1);
  return last_ts_ms_[sym];
}

std::optional<std::size_t> Venue::find_symbol(std::string_view name) const {
  for (std::size_t i = 0; i < specs_.size(); ++i)
    if (specs_[i].name == name) return i;
  return std::nullopt;
}

ConnectionHandler& Venue::attach(Connection& conn) {
  stats_.connections.fetch_add(1, std::memory_order_relaxed);
  sessions_.push_back(make_session(conn));
  sessions_.back()->capture_start = Clock::now();
  sessions_.back()->breaks_before = breaks_;
  return *sessions_.back();
}

bool Venue::refuse_next() {
  const double k = rate_of(opts_.faults.defaults, FaultKind::refuse);
  if (static_cast<double>(refused_) >= k) return false;
  ++refused_;
  counters_.add(FaultKind::refuse);
  return true;
}

bool Venue::http429_next() {
  if (!conn_rng_.chance(rate_of(opts_.faults.defaults, FaultKind::http429))) return false;
  counters_.add(FaultKind::http429);
  return true;
}

bool Venue::slow_next() {
  if (!conn_rng_.chance(rate_of(opts_.faults.defaults, FaultKind::slow))) return false;
  counters_.add(FaultKind::slow);
  return true;
}

void Venue::drop_all() {
  for_each_session([](VenueSession& s) { s.conn().drop_tcp(); });
  break_all();  // counted-break mode: every symbol needs a fresh snapshot
}

void Venue::note_request(bool rest) const {
  if (access_log_ == nullptr) return;
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const long long t_ns = static_cast<long long>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
  std::fprintf(access_log_, "%lld %.*s %s\n", t_ns, static_cast<int>(name().size()), name().data(),
               rest ? "rest" : "connect");
  std::fflush(access_log_);
}

void Venue::send(Connection& c, const SharedFrame& f) {
  if (!c.alive()) return;
  if (c.queued_bytes() > opts_.max_queue_bytes) {
    // A real venue drops consumers that cannot keep up instead of buffering forever.
    stats_.slow_consumer_drops.fetch_add(1, std::memory_order_relaxed);
    c.drop_tcp();
    return;
  }
  c.send(f);
  stats_.frames_sent.fetch_add(1, std::memory_order_relaxed);
}

bool Venue::corrupt_one_level(std::size_t sym, std::vector<LevelChange>& changes, Rng& rng) const {
  std::array<book::Level, kCorruptLevelTop> top{};
  std::vector<std::size_t> candidates;
  for (std::size_t k = 0; k < changes.size(); ++k) {
    const LevelChange& c = changes[k];
    if (c.qty == 0) continue;  // a deletion stays a deletion: the level count agrees
    const std::size_t n = generator(sym).book().copy_top(c.side, top.data(), top.size());
    const bool near_top = std::any_of(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(n),
                                      [&](const book::Level& l) { return l.px == c.px; });
    if (near_top) candidates.push_back(k);
  }
  if (candidates.empty()) return false;
  changes[candidates[rng.below(candidates.size())]].qty += specs_[sym].lot;
  return true;
}

bool Venue::market_held(Clock::time_point now) {
  if (!held_for_) return false;
  const bool timed_out =
      std::chrono::duration<double>(now - held_since_).count() >= opts_.settle_timeout_s;
  if (awaiting_snapshot_[*held_for_] != 0 && !timed_out) return true;
  stalled_ += now - held_since_;  // pacing resumes where it stopped, no burst
  held_for_.reset();
  return false;
}

void Venue::deliver_delta(std::size_t sym, const BookEvent& ev, std::string_view chain_key,
                          const DeltaFormat& format) {
  recipients_.clear();
  delta_recipients(sym, recipients_);
  std::erase_if(recipients_, [](Connection* c) { return !c->alive(); });
  const std::vector<Connection*>& recipients = recipients_;
  counters_.delta_frames.fetch_add(1, std::memory_order_relaxed);
  DeltaVerdict v;
  FaultDice& dice = dice_[sym];
  if (opts_.faults.any()) v = dice.roll();
  if (opts_.faults_wait_resync) mask_unsettled(sym, v);
  // Counted runs: a fault nobody hears (no subscriber yet or any more) would
  // be a break no client can find.
  if (opts_.faults_wait_resync && recipients.empty()) v.data = FaultKind::count_;
  auto send_all = [&](const SharedFrame& f) {
    for (Connection* c : recipients) send(*c, f);
  };
  std::string frame;
  if (v.data == FaultKind::corrupt_level) {
    corrupted_ = ev.changes;
    if (corrupt_one_level(sym, corrupted_, dice.rng())) {
      frame = format(corrupted_);
    } else {
      v.data = FaultKind::count_;  // no level near the top changed: nothing to corrupt
    }
  }
  if (frame.empty()) frame = format(ev.changes);
  SharedFrame held = std::move(held_[sym]);
  held_[sym].reset();
  SharedFrame plain;
  if (v.data == FaultKind::reorder && held) v.data = FaultKind::count_;  // one swap at a time
  switch (v.data) {
    case FaultKind::drop:
      break;  // the truth has it; nobody hears about it
    case FaultKind::dup:
      plain = make_frame(std::move(frame));
      send_all(plain);
      send_all(plain);
      break;
    case FaultKind::reorder:
      held_[sym] = make_frame(std::move(frame));  // goes out after the next delta
      break;
    case FaultKind::corrupt:
      send_all(make_frame(corrupt_json(frame, dice.rng())));
      break;
    case FaultKind::truncate:
      send_all(make_frame(truncate_json(frame, dice.rng())));
      break;
    case FaultKind::oversize:
      send_all(make_frame(oversize_json(frame, opts_.fault_params.oversize_bytes)));
      break;
    case FaultKind::wrong_type:
      send_all(make_frame(wrong_type_json(frame, chain_key)));
      break;
    default:
      plain = make_frame(std::move(frame));
      send_all(plain);
      break;
  }
  if (v.data != FaultKind::count_) counters_.add(v.data);
  if (held) send_all(held);
  if (v.stall) {
    counters_.add(FaultKind::stall);
    stall_until_ = Clock::now() + std::chrono::milliseconds(opts_.fault_params.stall_ms);
    stalled_ += std::chrono::milliseconds(opts_.fault_params.stall_ms);  // pacing resumes, no burst
  }
  note_fault(sym, v, !recipients.empty());
  if (v.mid_frame_close && !recipients.empty()) {
    counters_.add(FaultKind::mid_frame_close, recipients.size());
    const SharedFrame f = plain ? plain : make_frame(std::string(2048, ' '));
    for (Connection* c : recipients) c->close_mid_frame(f);
  } else if (v.tcp_close && !recipients.empty()) {
    counters_.add(FaultKind::tcp_close, recipients.size());
    for (Connection* c : recipients) c->drop_tcp();
  }
}

std::size_t Venue::subscriptions() const {
  std::size_t n = 0;
  for (const auto& s : sessions_)
    if (!s->closed()) n += s->subscriptions();
  return n;
}

bool Venue::backpressured() const {
  return std::any_of(sessions_.begin(), sessions_.end(), [&](const auto& s) {
    return !s->closed() && s->conn().queued_bytes() > opts_.backpressure_bytes;
  });
}

std::size_t Venue::open_sessions() const {
  return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(),
                                                [](const auto& s) { return !s->closed(); }));
}

void Venue::close_all(std::uint16_t code, std::string_view reason) {
  for_each_session([&](VenueSession& s) { s.conn().close(code, reason); });
}

bool Venue::poll(Clock::time_point now) {
  std::erase_if(sessions_, [](const auto& s) { return s->closed(); });
  if (!started_ && subscriptions() >= opts_.wait_subscriptions) {
    started_ = true;
    start_ = now;
  }
  const std::uint64_t before = stats_.events.load(std::memory_order_relaxed);
  if (started_ && !finished_) {
    if (!opts_.capture.empty()) {
      replay_capture(now);
    } else if (now >= stall_until_ && !market_held(now)) {
      generate(now);
    }
  }
  on_timer(now);
  return !finished_ && opts_.rate <= 0 && opts_.capture.empty() &&
         stats_.events.load(std::memory_order_relaxed) != before;
}

void Venue::generate(Clock::time_point now) {
  std::uint64_t due = 0;
  const std::uint64_t done = stats_.events.load(std::memory_order_relaxed);
  if (opts_.rate > 0) {
    const double elapsed = std::chrono::duration<double>(now - start_ - stalled_).count();
    const auto target = static_cast<std::uint64_t>(elapsed * opts_.rate);
    due = target > done ? std::min<std::uint64_t>(target - done, 4096) : 0;
  } else {
    due = backpressured() ? 0 : 256;
  }
  // Counted-break mode runs on past `frames` (without faults) until every
  // symbol has resynchronised, so no injected fault goes unseen.
  const auto settling = [&] {
    if (!opts_.faults_wait_resync) return false;
    const bool quota_met = opts_.max_faults == 0 || faults_noted_ >= opts_.max_faults;
    if (quota_met && all_settled()) return false;
    if (frames_done_at_ == Clock::time_point{}) frames_done_at_ = now;
    return std::chrono::duration<double>(now - frames_done_at_).count() < opts_.settle_timeout_s;
  };
  const auto reached = [&] {
    return opts_.frames != 0 && stats_.events.load(std::memory_order_relaxed) >= opts_.frames;
  };
  for (std::uint64_t i = 0; i < due; ++i) {
    if (reached() && !settling()) break;
    if (held_for_) break;  // a corrupt_level fault just held the market
    const auto sym = static_cast<std::size_t>(market_rng_.below(gens_.size()));
    gens_[sym].step(event_);
    stats_.events.fetch_add(1, std::memory_order_relaxed);
    on_event(sym, event_);
    if (Clock::now() < stall_until_) break;
  }
  const bool frames_done = reached() && !settling();
  const bool time_done =
      opts_.seconds > 0 && std::chrono::duration<double>(now - start_).count() >= opts_.seconds;
  if (frames_done || time_done) finish();
}

void Venue::replay_capture(Clock::time_point now) {
  const auto& cap = opts_.capture;
  bool any_done = false;
  for_each_session([&](VenueSession& s) {
    std::size_t budget = 4096;
    while (s.capture_pos < cap.size() && budget-- > 0) {
      const double at_s = static_cast<double>(cap[s.capture_pos].t_ns - cap.front().t_ns) * 1e-9;
      const double since = std::chrono::duration<double>(now - s.capture_start).count();
      if (opts_.capture_speed > 0 && at_s / opts_.capture_speed > since) break;
      if (s.conn().queued_bytes() > opts_.backpressure_bytes) break;
      send(s.conn(), make_frame(cap[s.capture_pos].frame));
      ++s.capture_pos;
    }
    if (s.capture_pos >= cap.size()) any_done = true;
  });
  if (any_done) finish();
}

void Venue::finish() {
  if (finished_) return;
  for (std::size_t i = 0; i < held_.size(); ++i) {
    if (!held_[i]) continue;
    // A reordered delta still goes out once; without a successor it is merely late.
    SharedFrame f = std::move(held_[i]);
    held_[i].reset();
    recipients_.clear();
    delta_recipients(i, recipients_);
    for (Connection* c : recipients_) send(*c, f);
  }
  on_finish();
  finished_ = true;
}

void Venue::append_truth(std::string& out) const {
  std::vector<book::Level> levels;
  for (std::size_t i = 0; i < gens_.size(); ++i) {
    const book::L2Book& b = gens_[i].book();
    const SymbolSpec& s = specs_[i];
    out += "{\"venue\":\"";
    out += name();
    out += "\",\"symbol\":";
    append_json_string(out, s.name);
    out += ",\"status\":\"live\",\"flags\":[],\"version\":";
    append_uint(out, b.version());
    out += ",\"updates\":";
    append_uint(out, gens_[i].events());
    out += ",\"exchange_ts_ns\":";
    append_int(out, last_ts_ms_[i] * 1'000'000);
    out += ",\"recv_ts_ns\":0,\"publish_ts_ns\":0";
    for (book::Side side : {book::Side::bid, book::Side::ask}) {
      levels.resize(b.level_count(side));
      levels.resize(b.copy_top(side, levels.data(), levels.size()));
      out += side == book::Side::bid ? ",\"bids\":[" : ",\"asks\":[";
      for (std::size_t k = 0; k < levels.size(); ++k) {
        if (k != 0) out += ',';
        out += "[\"";
        append_decimal(out, levels[k].px, s.px_exp);
        out += "\",\"";
        append_decimal(out, levels[k].qty, s.qty_exp);
        out += "\"]";
      }
      out += ']';
    }
    out += "}\n";
  }
}

}  // namespace wirebook::sim
