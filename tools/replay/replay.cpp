#include "tools/replay/replay.hpp"

#include <simdjson.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>

#include "config/config.hpp"
#include "feeds/common/clock.hpp"
#include "feeds/common/venue_books.hpp"
#include "feeds/common/venue_module.hpp"
#include "feeds/registry.hpp"
#include "record/reader.hpp"
#include "shm/writer.hpp"
#include "tools/replay/bare_walk.hpp"

namespace wirebook::replay {

namespace {

using record::ReadStatus;
using record::RecordKind;
using record::RecordView;

// Must match the daemon's venue runner, so the books and ring come out the same.
constexpr std::size_t kBufferOps = 65536;

// Hands the recorded realtime values back in order; counts reads beyond them.
class RecordedClock final : public feeds::ClockTap {
 public:
  void load(const char* values, std::size_t n) noexcept {
    values_ = values;
    count_ = n;
    next_ = 0;
  }
  std::int64_t realtime(std::int64_t clock_ns) noexcept override {
    if (next_ < count_) {
      std::int64_t v = 0;
      std::memcpy(&v, values_ + sizeof v * next_++, sizeof v);
      return v;
    }
    ++extra_;
    return clock_ns;
  }
  [[nodiscard]] bool exact() const noexcept { return next_ == count_; }
  [[nodiscard]] std::uint64_t extra() const noexcept { return extra_; }

 private:
  const char* values_ = nullptr;  // recorded i64 values, unaligned
  std::size_t count_ = 0;
  std::size_t next_ = 0;
  std::uint64_t extra_ = 0;
};

class NullOutbox final : public feeds::Outbox {
 public:
  void send_text(std::string_view) override {}
};

[[nodiscard]] bool is_rest(const RecordView& r) noexcept {
  return r.header.kind == RecordKind::rest_get || r.header.kind == RecordKind::rest_reply;
}
[[nodiscard]] bool is_startup_lookup(const RecordView& r) noexcept {
  return is_rest(r) && (r.header.tag & record::kStartupLookup) != 0;
}
// What follows each file's meta record: what the feed was built from.
[[nodiscard]] bool is_preamble(const RecordView& r) noexcept {
  return is_startup_lookup(r) || r.header.kind == RecordKind::feed_built;
}

// A received message's parts: a WebSocket frame is all data; a stream event
// has its SSE type and id too.
struct ReceivedText {
  std::string_view type;
  std::string_view id;
  bool id_in_event = false;
  std::string_view data;
};

// `body`: a frame_in or stream_event payload without its clock values. False
// for any other record or a malformed event.
[[nodiscard]] bool received_text(const record::RecordHeader& h, std::string_view body,
                                 ReceivedText& out) noexcept {
  if (h.kind == RecordKind::frame_in) {
    out = ReceivedText{{}, {}, false, body};
    return true;
  }
  record::StreamEventHead head{};
  if (h.kind != RecordKind::stream_event || body.size() < sizeof head) return false;
  std::memcpy(&head, body.data(), sizeof head);
  const std::string_view rest = body.substr(sizeof head);
  if (rest.size() < std::size_t{head.type_bytes} + head.id_bytes) return false;
  out.type = rest.substr(0, head.type_bytes);
  out.id = rest.substr(head.type_bytes, head.id_bytes);
  out.id_in_event = head.id_in_event != 0;
  out.data = rest.substr(std::size_t{head.type_bytes} + head.id_bytes);
  return true;
}

// The received message of a record (frame_in or stream_event), clock values
// excluded; false for any other record.
[[nodiscard]] bool received_text(const record::RecordHeader& h, std::string_view payload,
                                 std::size_t clock_reads, ReceivedText& out) noexcept {
  const std::size_t clock_bytes = clock_reads * sizeof(std::int64_t);
  return clock_bytes <= payload.size() &&
         received_text(h, payload.substr(0, payload.size() - clock_bytes), out);
}

// A start-up lookup as recorded (the records after each file's meta record).
struct Preamble {
  std::vector<record::RecordHeader> headers;
  std::vector<std::string> payloads;
  void add(const RecordView& r) {
    headers.push_back(r.header);
    payloads.emplace_back(r.payload);
  }
};

// One recorded REST channel: the GETs the feed made (checked against what it
// makes now) and the replies it took, handed over at its next poll — the
// recording puts them just before the input that polled them.
class RecordedChannel final : public feeds::RestChannel {
 public:
  explicit RecordedChannel(std::uint64_t& mismatches) : mismatches_(mismatches) {}
  void expect(const RecordView& r) {
    gets_.push_back(Get{std::string(r.payload), r.header.tag, r.header.status != 0});
  }
  void arrive(const RecordView& r) {
    std::vector<char> body(r.payload.size() + simdjson::SIMDJSON_PADDING, '\0');
    std::copy(r.payload.begin(), r.payload.end(), body.begin());
    replies_.push_back(Reply{r.header.tag, r.header.status, std::move(body), r.payload.size()});
  }
  bool get(std::string_view target, std::uint64_t tag) override {
    if (gets_.empty()) {  // lost to a recorder gap
      ++mismatches_;
      return true;
    }
    const Get g = std::move(gets_.front());
    gets_.pop_front();
    if (g.target != target || g.tag != tag) ++mismatches_;
    return g.queued;
  }
  void poll(feeds::RestReplies& replies, std::int64_t rt, std::int64_t mono) noexcept override {
    for (const Reply& r : replies_) {
      replies.on_rest_reply(r.tag, r.status, r.body.data(), r.len, r.body.size(), rt, mono);
    }
    replies_.clear();
  }

 private:
  struct Get {
    std::string target;
    std::uint64_t tag;
    bool queued;
  };
  struct Reply {
    std::uint64_t tag;
    int status;
    std::vector<char> body;  // with simdjson padding
    std::size_t len;
  };
  std::uint64_t& mismatches_;
  std::deque<Get> gets_;
  std::vector<Reply> replies_;
};

// The REST a recording saw, given back without the network: start-up lookups
// in recorded order (by target), channels numbered as the feed opens them.
class RecordedRest final : public feeds::RestSource {
 public:
  void add_lookup(const record::RecordHeader& h, std::string_view payload) {
    if (h.kind == RecordKind::rest_get) {
      lookups_.push_back(
          Lookup{h.tag, std::string(payload), {0, {}, "no answer in the recording"}});
    } else if (!lookups_.empty() && lookups_.back().tag == h.tag) {
      feeds::RestResult& r = lookups_.back().result;
      r.status = h.status;
      (r.status == 0 ? r.error : r.body) = std::string(payload);
      if (r.status != 0) r.error.clear();
    }
  }
  feeds::RestResult get(const feeds::RestEndpoint&, std::string_view target,
                        std::chrono::milliseconds) override {
    for (; next_lookup_ < lookups_.size(); ++next_lookup_) {
      if (lookups_[next_lookup_].target == target) return lookups_[next_lookup_++].result;
      ++mismatches_;  // a lookup the feed no longer makes
    }
    return feeds::RestResult{0, {}, "GET " + std::string(target) + " is not in the recording"};
  }
  std::unique_ptr<feeds::RestChannel> channel(const feeds::RestEndpoint&,
                                              std::chrono::milliseconds) override {
    auto c = std::make_unique<RecordedChannel>(mismatches_);
    channels_.push_back(c.get());
    return c;
  }
  // A channel's rest_get or rest_reply record (the feed owns the channels and
  // outlives every call).
  void apply(const RecordView& r) {
    const std::uint32_t n = r.header.connection;
    if (n == 0 || n > channels_.size()) {
      ++mismatches_;
      return;
    }
    if (r.header.kind == RecordKind::rest_get) {
      channels_[n - 1]->expect(r);
    } else {
      channels_[n - 1]->arrive(r);
    }
  }
  [[nodiscard]] std::uint64_t mismatches() const noexcept { return mismatches_; }

 private:
  struct Lookup {
    std::uint64_t tag;
    std::string target;
    feeds::RestResult result;
  };
  std::vector<Lookup> lookups_;
  std::size_t next_lookup_ = 0;
  std::vector<RecordedChannel*> channels_;
  std::uint64_t mismatches_ = 0;
};

struct Meta {
  std::string venue;
  std::string kind;
  std::string config_text;
};

Meta parse_meta(std::string_view payload) {
  Meta m;
  const auto config_at = payload.find("config=\n");
  const std::string_view head = payload.substr(0, config_at);
  if (config_at != std::string_view::npos) m.config_text = payload.substr(config_at + 8);
  for (std::size_t at = 0; at < head.size();) {
    const auto nl = head.find('\n', at);
    const std::string_view line = head.substr(at, nl - at);
    if (line.starts_with("venue=")) m.venue = line.substr(6);
    if (line.starts_with("kind=")) m.kind = line.substr(5);
    at = nl == std::string_view::npos ? head.size() : nl + 1;
  }
  return m;
}

// One venue being replayed: its segment, books and feed, built as the daemon builds them.
class VenueReplay {
 public:
  VenueReplay(const Meta& meta, const Preamble& preamble, const ReplayOptions& o,
              shm::SegmentOptions seg)
      : config_(config::parse_config(meta.config_text, "recorded config", feeds::venue_rules())) {
    for (const auto& v : config_.venues) {
      if (v.name == meta.venue) venue_ = &v;
    }
    if (venue_ == nullptr) throw std::runtime_error("recorded config has no venue " + meta.venue);
    module_ = feeds::find_venue_module(venue_->kind);
    const feeds::VenueModule* module = module_;
    if (module == nullptr || module->make_feed == nullptr) {
      throw std::runtime_error("venue kind '" + venue_->kind + "' has no feed in this build");
    }
    shm::VenueConfig sv;
    sv.name = venue_->name;
    sv.symbols = venue_->symbols;
    sv.depth = venue_->depth;
    sv.ring_capacity = config_.daemon.ring_capacity;
    sv.position_capacity = venue_->max_positions;
    const auto cs = shm::ControlWriter::create(seg, o.instance, {sv}, control_);
    if (!cs.ok()) throw std::runtime_error("control segment in " + seg.dir + ": " + cs.detail);
    const auto vs = shm::VenueWriter::create(seg, sv, writer_);
    if (!vs.ok()) throw std::runtime_error("venue segment in " + seg.dir + ": " + vs.detail);
    std::vector<feeds::InstrumentSpec> specs;
    for (const auto& s : venue_->symbols) specs.push_back(feeds::InstrumentSpec{s, -8, -8});
    books_ =
        std::make_unique<feeds::VenueBooks>(specs, venue_->max_levels, kBufferOps, writer_.get());
    feeds::Credentials creds;
    if (venue_->api_key.given()) {
      // The same login path as live (its frames go nowhere); never the real secret.
      creds.use = feeds::Credentials::Use::signature;
      creds.api_key = "replay";
      creds.api_secret = "replay";
    }
    for (std::size_t i = 0; i < preamble.headers.size(); ++i) {
      const record::RecordHeader& h = preamble.headers[i];
      if (h.kind == RecordKind::feed_built) {
        clock_.load(preamble.payloads[i].data(),
                    std::min<std::size_t>(h.clock_reads, preamble.payloads[i].size() / 8));
      } else {
        rest_.add_lookup(h, preamble.payloads[i]);
      }
    }
    feeds::t_clock_tap = &clock_;  // the realtime values the feed read while it was built
    try {
      handler_ = module->make_feed(feeds::FeedContext{*venue_, *books_, outbox_, creds, rest_});
    } catch (...) {
      feeds::t_clock_tap = nullptr;
      throw;
    }
    feeds::t_clock_tap = nullptr;
    control_->set_state(shm::SegmentState::live);
    writer_->set_state(shm::SegmentState::live);
  }
  ~VenueReplay() {
    handler_.reset();
    if (writer_) writer_->set_state(shm::SegmentState::closed);
    if (control_) control_->set_state(shm::SegmentState::closed);
  }

  // Feeds one record to the venue code; false when it was not an input.
  bool apply(const RecordView& r, ReplayReport& report) {
    if (is_rest(r)) {
      if (is_startup_lookup(r)) return false;  // read before the feed was built
      rest_.apply(r);
      return true;
    }
    if (r.header.kind == RecordKind::gap) {
      reopen(r.header.mono_ns);
      ++report.gaps;
      return true;
    }
    const std::size_t clock_bytes = std::size_t{r.header.clock_reads} * sizeof(std::int64_t);
    if (clock_bytes > r.payload.size()) {
      ++report.clock_mismatches;
      return false;
    }
    const std::string_view body = r.payload.substr(0, r.payload.size() - clock_bytes);
    clock_.load(body.data() + body.size(), r.header.clock_reads);
    feeds::t_clock_tap = &clock_;
    const bool input = deliver(r.header, body, report);
    feeds::t_clock_tap = nullptr;
    if (input && !clock_.exact()) ++report.clock_mismatches;
    return input;
  }
  [[nodiscard]] std::uint64_t extra_clock_reads() const noexcept { return clock_.extra(); }
  [[nodiscard]] std::uint64_t rest_mismatches() const noexcept { return rest_.mismatches(); }
  // The venue's parser alone, as its feed builds it (nullptr: not offered).
  [[nodiscard]] std::unique_ptr<feeds::MessageParser> parser() const {
    return module_->make_parser == nullptr ? nullptr : module_->make_parser(*venue_);
  }

 private:
  config::Config config_;
  const config::VenueConfig* venue_ = nullptr;
  const feeds::VenueModule* module_ = nullptr;
  std::unique_ptr<shm::ControlWriter> control_;
  std::unique_ptr<shm::VenueWriter> writer_;
  std::unique_ptr<feeds::VenueBooks> books_;
  // One recorded input through the entry point the session called (the
  // clock tap installed); false when the record is no input.
  bool deliver(const record::RecordHeader& h, std::string_view body, ReplayReport& report) {
    const std::int64_t mono = h.mono_ns;
    const std::size_t stream = h.tag;
    ReceivedText text;
    switch (h.kind) {
      case RecordKind::frame_in:
      case RecordKind::stream_event:
        if (!received_text(h, body, text)) return false;
        frame_.assign(text.data);
        frame_.resize(text.data.size() + simdjson::SIMDJSON_PADDING, '\0');
        ++report.frames;
        if (h.kind == RecordKind::frame_in) {
          (void)handler_->on_frame(frame_.data(), text.data.size(), frame_.size(), h.realtime_ns,
                                   mono);
        } else {
          const feeds::SseEvent ev{text.type,     text.id,          text.id_in_event,
                                   frame_.data(), text.data.size(), frame_.size()};
          (void)handler_->on_stream_event(stream, ev, h.realtime_ns, mono);
        }
        return true;
      case RecordKind::open:
        handler_->on_open(mono);
        return true;
      case RecordKind::close:
        handler_->on_close(mono);
        return true;
      case RecordKind::timer:
        (void)handler_->on_timer(mono);
        return true;
      case RecordKind::idle:
        writer_->idle(mono);
        return true;
      case RecordKind::stream_open:
        handler_->on_stream_open(stream, mono);
        return true;
      case RecordKind::stream_close:
        handler_->on_stream_close(stream, mono);
        return true;
      case RecordKind::stream_comment:
        handler_->on_stream_comment(stream, body, mono);
        return true;
      case RecordKind::stream_timer:
        (void)handler_->on_stream_timer(stream, mono);
        return true;
      case RecordKind::stream_refused: {
        std::uint32_t status = 0;
        if (body.size() != sizeof status) return false;
        std::memcpy(&status, body.data(), sizeof status);
        handler_->on_stream_refused(stream, status);
        return true;
      }
      default:
        return false;
    }
  }

  // Inputs are missing: whatever the books showed may be wrong now. Closing
  // and reopening the connection (every stream of a multi-stream feed) takes
  // every book out of LIVE until the recording shows a fresh snapshot.
  void reopen(std::int64_t mono) {
    const std::size_t streams = handler_->stream_targets().size();
    if (streams == 0) {
      handler_->on_close(mono);
      handler_->on_open(mono);
    }
    for (std::size_t s = 0; s < streams; ++s) {
      handler_->on_stream_close(s, mono);
      handler_->on_stream_open(s, mono);
    }
  }

  NullOutbox outbox_;
  RecordedRest rest_;  // before handler_: the feed's channels are its
  std::unique_ptr<feeds::FrameHandler> handler_;
  RecordedClock clock_;
  std::string frame_;
};

void pace(const ReplayOptions& o, std::int64_t mono, std::int64_t& first_mono,
          std::chrono::steady_clock::time_point& started) {
  if (o.speed <= 0) return;
  if (first_mono == 0) {
    first_mono = mono;
    started = std::chrono::steady_clock::now();
    return;
  }
  const auto due = started + std::chrono::nanoseconds(static_cast<std::int64_t>(
                                 static_cast<double>(mono - first_mono) / o.speed));
  std::this_thread::sleep_until(due);
}

}  // namespace

ReplayReport replay(const ReplayOptions& o, const std::function<void(std::string_view)>& log) {
  ReplayReport report;
  shm::SegmentOptions seg;
  seg.dir = o.shm_dir + "/" + o.instance;
  std::map<std::string, std::unique_ptr<VenueReplay>> venues;
  std::int64_t first_mono = 0;
  std::chrono::steady_clock::time_point started;
  for (const std::string& file : o.files) {
    record::RecordReader reader(file);
    reader.seek(o.from_realtime_ns);
    RecordView r;
    ReadStatus st = reader.next(r);
    // Every file starts with its meta record (venue, kind, config).
    record::RecordReader head(file);
    RecordView m;
    if (head.next(m) != ReadStatus::ok || m.header.kind != RecordKind::meta) {
      throw std::runtime_error(file + ": no meta record at the start (not written by wirebookd?)");
    }
    const Meta meta = parse_meta(m.payload);
    if (!o.venue.empty() && meta.venue != o.venue) continue;
    Preamble preamble;
    while (head.next(m) == ReadStatus::ok && is_preamble(m)) preamble.add(m);
    auto& v = venues[meta.venue];
    if (!v) {
      if (venues.size() > 1) {
        throw std::runtime_error(
            "replaying several venues into one instance is not supported "
            "yet: pick one with --venue");
      }
      v = std::make_unique<VenueReplay>(meta, preamble, o, seg);
      report.venues.push_back(meta.venue);
      if (log) log("replaying venue " + meta.venue + " (" + meta.kind + ") into " + seg.dir);
    }
    for (std::uint64_t guard = 0; st == ReadStatus::ok && guard < (1ULL << 40U); ++guard) {
      const std::int64_t rt = r.header.realtime_ns;
      if (rt > o.until_realtime_ns) break;
      if (rt >= o.from_realtime_ns || r.header.kind == RecordKind::gap) {
        pace(o, r.header.mono_ns, first_mono, started);
        if (v->apply(r, report)) ++report.records;
      }
      st = reader.next(r);
    }
    if (st == ReadStatus::torn || st == ReadStatus::corrupt) {
      report.problems.push_back(reader.message());
      if (log) log(reader.message());
    }
  }
  for (const auto& [name, v] : venues) report.rest_mismatches += v->rest_mismatches();
  return report;
}

namespace {

// The inputs of one venue, loaded once so every timed pass sees the same bytes.
struct LoadedInputs {
  Meta meta;
  Preamble preamble;  // the first file's start-up lookups
  std::vector<record::RecordHeader> headers;
  std::vector<std::string> payloads;
  std::vector<std::size_t> frames;  // indexes of frame_in records
};

void load_recording(const std::string& file, const std::string& venue, LoadedInputs& in) {
  record::RecordReader reader(file);
  RecordView r;
  bool mine = false;
  ReadStatus st = ReadStatus::ok;
  for (std::uint64_t guard = 0; guard < (1ULL << 40U) && (st = reader.next(r)) == ReadStatus::ok;
       ++guard) {
    if (r.header.kind == RecordKind::meta) {
      const Meta m = parse_meta(r.payload);
      mine = venue.empty() ? (in.meta.venue.empty() || m.venue == in.meta.venue) : m.venue == venue;
      if (mine && in.meta.venue.empty()) in.meta = m;
      continue;
    }
    if (!mine) continue;
    if (is_preamble(r)) {
      if (in.headers.empty()) in.preamble.add(r);  // later files repeat them
      continue;
    }
    ReceivedText text;
    if (received_text(r.header, r.payload, r.header.clock_reads, text)) {
      in.frames.push_back(in.headers.size());
    }
    in.headers.push_back(r.header);
    in.payloads.emplace_back(r.payload);
  }
  if (st != ReadStatus::end) throw std::runtime_error(reader.message());
}

void load_jsonl(const std::string& file, LoadedInputs& in) {
  std::ifstream f(file);
  if (!f) throw std::runtime_error(file + ": cannot open");
  std::string line;
  record::RecordHeader open{};
  open.kind = RecordKind::open;
  in.headers.push_back(open);
  in.payloads.emplace_back();
  for (std::uint64_t n = 1; std::getline(f, line); ++n) {
    if (line.empty()) continue;
    record::RecordHeader h{};
    h.kind = RecordKind::frame_in;
    h.realtime_ns = static_cast<std::int64_t>(n);
    h.mono_ns = static_cast<std::int64_t>(n);
    in.frames.push_back(in.headers.size());
    in.headers.push_back(h);
    in.payloads.push_back(line);
  }
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open");
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

double best_ns(int rounds, const std::function<void()>& pass) {
  double best = 0;
  for (int i = 0; i < rounds; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    pass();
    const double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    if (i == 0 || ns < best) best = ns;
  }
  return best;
}

std::int64_t ns_between(std::chrono::steady_clock::time_point t0,
                        std::chrono::steady_clock::time_point t1) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
}

// Every frame through a fresh pipeline, each timed alone (ns, frames only);
// the instance is left for the readers: its books are the stream's final books.
std::vector<std::int64_t> time_pipeline_frames(const LoadedInputs& in, const BenchOptions& o) {
  using Clock = std::chrono::steady_clock;
  std::vector<std::int64_t> ns;
  ns.reserve(in.frames.size());
  ReplayOptions ro;
  ro.shm_dir = o.shm_dir;
  ro.instance = o.latencies_instance;
  shm::SegmentOptions seg;
  seg.dir = ro.shm_dir + "/" + ro.instance;
  VenueReplay v(in.meta, in.preamble, ro, seg);
  ReplayReport ignored;
  RecordView r;
  for (std::size_t i = 0; i < in.headers.size(); ++i) {
    r.header = in.headers[i];
    r.payload = in.payloads[i];
    const auto t0 = Clock::now();
    (void)v.apply(r, ignored);
    const auto t1 = Clock::now();
    if (r.header.kind == RecordKind::frame_in || r.header.kind == RecordKind::stream_event) {
      ns.push_back(ns_between(t0, t1));
    }
  }
  return ns;
}

// The bare walk over every frame, each timed alone (ns).
std::vector<std::int64_t> time_walk_frames(const std::vector<simdjson::padded_string>& padded,
                                           simdjson::ondemand::parser& parser) {
  using Clock = std::chrono::steady_clock;
  std::vector<std::int64_t> ns;
  ns.reserve(padded.size());
  std::uint64_t touch = 0;
  for (const auto& p : padded) {
    const auto t0 = Clock::now();
    (void)bare_walk_message(parser, p.data(), p.size(), p.size() + simdjson::SIMDJSON_PADDING,
                            touch);
    ns.push_back(ns_between(t0, Clock::now()));
  }
  return ns;
}

// The venue's parser alone over the same messages (padded as for the walk).
void time_parse_only(const LoadedInputs& in, const std::vector<simdjson::padded_string>& padded,
                     int rounds, feeds::MessageParser& parser, BenchReport& report) {
  std::vector<std::string_view> types;  // SSE event types; empty for WebSocket frames
  types.reserve(in.frames.size());
  for (const std::size_t i : in.frames) {
    ReceivedText text;
    (void)received_text(in.headers[i], in.payloads[i], in.headers[i].clock_reads, text);
    types.push_back(text.type);
  }
  const auto parse_pass = [&] {
    std::uint64_t levels = 0;
    std::uint64_t failed = 0;
    for (std::size_t f = 0; f < padded.size(); ++f) {
      const std::int64_t n = parser.parse(types[f], padded[f].data(), padded[f].size(),
                                          padded[f].size() + simdjson::SIMDJSON_PADDING);
      n < 0 ? ++failed : levels += static_cast<std::uint64_t>(n);
    }
    report.parse_levels = levels;
    report.parse_failed = failed;
  };
  parse_pass();  // untimed: buffers sized on the first messages
  report.parse_ns_per_frame = best_ns(rounds, parse_pass) / static_cast<double>(report.frames);
}

// The report's latency CDF input: one line per frame, "<pipeline ns> <walk ns>".
void write_latencies(const LoadedInputs& in, const BenchOptions& o,
                     const std::vector<simdjson::padded_string>& padded,
                     simdjson::ondemand::parser& parser) {
  const std::vector<std::int64_t> pipeline = time_pipeline_frames(in, o);
  const std::vector<std::int64_t> walked = time_walk_frames(padded, parser);
  std::ofstream out(o.latencies_path);
  for (std::size_t i = 0; i < pipeline.size() && i < walked.size(); ++i) {
    out << pipeline[i] << ' ' << walked[i] << '\n';
  }
  out.flush();
  if (!out) throw std::runtime_error(o.latencies_path + ": cannot write");
}

}  // namespace

BenchReport bench(const BenchOptions& o) {
  LoadedInputs in;
  for (const std::string& file : o.files) {
    if (file.ends_with(".jsonl")) {
      if (o.config.empty() || o.venue.empty()) {
        throw std::runtime_error("JSONL input needs --config FILE and --venue NAME");
      }
      in.meta = Meta{o.venue, "", read_text(o.config)};
      load_jsonl(file, in);
    } else {
      load_recording(file, o.venue, in);
    }
  }
  if (in.frames.empty()) throw std::runtime_error("no frames to benchmark");
  BenchReport report;
  report.venue = in.meta.venue;
  report.frames = in.frames.size();
  for (const std::size_t i : in.frames) report.bytes += in.payloads[i].size();

  // Full pipeline: a fresh instance per round (books start empty each time);
  // building the segment is not timed.
  ReplayOptions ro;
  ro.shm_dir = o.shm_dir;
  double pipeline = 0;
  std::unique_ptr<feeds::MessageParser> message_parser;
  for (int round = 0; round < o.rounds; ++round) {
    ro.instance = "bench-" + std::to_string(::getpid()) + "-" + std::to_string(round);
    shm::SegmentOptions seg;
    seg.dir = ro.shm_dir + "/" + ro.instance;
    {
      VenueReplay v(in.meta, in.preamble, ro, seg);
      if (round == 0) message_parser = v.parser();
      const double ns = best_ns(1, [&] {
        ReplayReport ignored;
        RecordView r;
        for (std::size_t i = 0; i < in.headers.size(); ++i) {
          r.header = in.headers[i];
          r.payload = in.payloads[i];
          (void)v.apply(r, ignored);
        }
      });
      if (round == 0 || ns < pipeline) pipeline = ns;
    }
    std::error_code ec;
    std::filesystem::remove_all(seg.dir, ec);
  }
  report.pipeline_ns_per_frame = pipeline / static_cast<double>(report.frames);

  // Bare walk over the same frame bytes (clock values excluded), padded once.
  std::vector<simdjson::padded_string> padded;
  padded.reserve(in.frames.size());
  for (const std::size_t i : in.frames) {
    ReceivedText text;
    (void)received_text(in.headers[i], in.payloads[i], in.headers[i].clock_reads, text);
    padded.emplace_back(text.data.data(), text.data.size());
  }
  simdjson::ondemand::parser parser;
  // One untimed pass first: the parser sizes its buffers on its first documents.
  const auto walk_pass = [&] {
    std::uint64_t tokens = 0;
    std::uint64_t touch = 0;
    for (const auto& p : padded) {
      tokens += bare_walk_message(parser, p.data(), p.size(), p.size() + simdjson::SIMDJSON_PADDING,
                                  touch);
    }
    report.walk_tokens = tokens;
    report.walk_touch = touch;
  };
  walk_pass();
  const double walk_ns = best_ns(o.rounds, walk_pass);
  report.walk_ns_per_frame = walk_ns / static_cast<double>(report.frames);
  if (message_parser) time_parse_only(in, padded, o.rounds, *message_parser, report);
  if (!o.latencies_path.empty()) write_latencies(in, o, padded, parser);
  return report;
}

std::vector<RecordedFrame> recorded_frames(const std::vector<std::string>& files) {
  std::vector<RecordedFrame> out;
  std::int64_t first_mono = 0;
  for (const std::string& file : files) {
    record::RecordReader reader(file);
    RecordView r;
    std::string kind;
    ReadStatus st = ReadStatus::ok;
    for (std::uint64_t guard = 0; guard < (1ULL << 40U) && (st = reader.next(r)) == ReadStatus::ok;
         ++guard) {
      if (r.header.kind == RecordKind::meta) kind = parse_meta(r.payload).kind;
      if (r.header.kind != RecordKind::frame_in || kind.empty()) continue;
      if (out.empty()) first_mono = r.header.mono_ns;
      const std::size_t clock_bytes = std::size_t{r.header.clock_reads} * sizeof(std::int64_t);
      if (clock_bytes > r.payload.size()) throw std::runtime_error(file + ": malformed record");
      out.push_back(
          RecordedFrame{r.header.mono_ns - first_mono, kind,
                        std::string(r.payload.substr(0, r.payload.size() - clock_bytes))});
    }
    if (st != ReadStatus::end) throw std::runtime_error(reader.message());
  }
  return out;
}

}  // namespace wirebook::replay
