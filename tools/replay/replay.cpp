#include "tools/replay/replay.hpp"

#include <simdjson.h>

#include <chrono>
#include <cstring>
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
  VenueReplay(const Meta& meta, const ReplayOptions& o, shm::SegmentOptions seg)
      : config_(config::parse_config(meta.config_text, "recorded config", feeds::venue_rules())) {
    for (const auto& v : config_.venues) {
      if (v.name == meta.venue) venue_ = &v;
    }
    if (venue_ == nullptr) throw std::runtime_error("recorded config has no venue " + meta.venue);
    const feeds::VenueModule* module = feeds::find_venue_module(venue_->kind);
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
    handler_ = module->make_feed(feeds::FeedContext{*venue_, *books_, outbox_, creds});
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
    const std::size_t clock_bytes = std::size_t{r.header.clock_reads} * sizeof(std::int64_t);
    if (clock_bytes > r.payload.size()) {
      ++report.clock_mismatches;
      return false;
    }
    const std::size_t body = r.payload.size() - clock_bytes;
    clock_.load(r.payload.data() + body, r.header.clock_reads);
    const std::int64_t mono = r.header.mono_ns;
    feeds::t_clock_tap = &clock_;
    switch (r.header.kind) {
      case RecordKind::frame_in:
        frame_.assign(r.payload.data(), body);
        frame_.resize(body + simdjson::SIMDJSON_PADDING, '\0');
        (void)handler_->on_frame(frame_.data(), body, frame_.size(), r.header.realtime_ns, mono);
        ++report.frames;
        break;
      case RecordKind::open:
        handler_->on_open(mono);
        break;
      case RecordKind::close:
        handler_->on_close(mono);
        break;
      case RecordKind::timer:
        (void)handler_->on_timer(mono);
        break;
      case RecordKind::idle:
        writer_->idle(mono);
        break;
      case RecordKind::gap:
        // Inputs are missing: whatever the books showed may be wrong now.
        // A close and reopen drops every book out of LIVE until a snapshot.
        feeds::t_clock_tap = nullptr;
        handler_->on_close(mono);
        handler_->on_open(mono);
        ++report.gaps;
        break;
      default:
        feeds::t_clock_tap = nullptr;
        return false;
    }
    feeds::t_clock_tap = nullptr;
    if (!clock_.exact() && r.header.kind != RecordKind::gap) ++report.clock_mismatches;
    return true;
  }
  [[nodiscard]] std::uint64_t extra_clock_reads() const noexcept { return clock_.extra(); }

 private:
  config::Config config_;
  const config::VenueConfig* venue_ = nullptr;
  std::unique_ptr<shm::ControlWriter> control_;
  std::unique_ptr<shm::VenueWriter> writer_;
  std::unique_ptr<feeds::VenueBooks> books_;
  NullOutbox outbox_;
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
    auto& v = venues[meta.venue];
    if (!v) {
      if (venues.size() > 1) {
        throw std::runtime_error(
            "replaying several venues into one instance is not supported "
            "yet: pick one with --venue");
      }
      v = std::make_unique<VenueReplay>(meta, o, seg);
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
  return report;
}

}  // namespace wirebook::replay
