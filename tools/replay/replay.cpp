#include "tools/replay/replay.hpp"

#include <simdjson.h>

#include <unistd.h>

#include <chrono>
#include <cstring>
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

namespace {

// The inputs of one venue, loaded once so every timed pass sees the same bytes.
struct LoadedInputs {
  Meta meta;
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
    if (r.header.kind == RecordKind::frame_in) in.frames.push_back(in.headers.size());
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

// Touches the raw text of every scalar in `v`; returns how many (0 on an error).
std::uint64_t walk(simdjson::ondemand::value v, int depth, std::uint64_t& touch) {
  using simdjson::ondemand::json_type;
  json_type t{};
  if (depth > 64 || v.type().get(t) != simdjson::SUCCESS) return 0;
  std::uint64_t n = 0;
  if (t == json_type::object) {
    simdjson::ondemand::object o;
    if (v.get_object().get(o) != simdjson::SUCCESS) return 0;
    for (auto field : o) {
      simdjson::ondemand::value child;
      if (field.value().get(child) == simdjson::SUCCESS) n += walk(child, depth + 1, touch);
    }
  } else if (t == json_type::array) {
    simdjson::ondemand::array a;
    if (v.get_array().get(a) != simdjson::SUCCESS) return 0;
    for (auto element : a) {
      simdjson::ondemand::value child;
      if (element.get(child) == simdjson::SUCCESS) n += walk(child, depth + 1, touch);
    }
  } else {
    const std::string_view raw = v.raw_json_token();
    if (!raw.empty()) {
      ++n;
      touch += static_cast<unsigned char>(raw.front()) + static_cast<unsigned char>(raw.back());
    }
  }
  return n;
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
  VenueReplay v(in.meta, ro, seg);
  ReplayReport ignored;
  RecordView r;
  for (std::size_t i = 0; i < in.headers.size(); ++i) {
    r.header = in.headers[i];
    r.payload = in.payloads[i];
    const auto t0 = Clock::now();
    (void)v.apply(r, ignored);
    const auto t1 = Clock::now();
    if (r.header.kind == RecordKind::frame_in) ns.push_back(ns_between(t0, t1));
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
    simdjson::ondemand::document doc;
    simdjson::ondemand::value root;
    if (parser.iterate(p).get(doc) == simdjson::SUCCESS &&
        doc.get_value().get(root) == simdjson::SUCCESS) {
      (void)walk(root, 0, touch);
    }
    ns.push_back(ns_between(t0, Clock::now()));
  }
  return ns;
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
  for (int round = 0; round < o.rounds; ++round) {
    ro.instance = "bench-" + std::to_string(::getpid()) + "-" + std::to_string(round);
    shm::SegmentOptions seg;
    seg.dir = ro.shm_dir + "/" + ro.instance;
    {
      VenueReplay v(in.meta, ro, seg);
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
    const std::size_t body =
        in.payloads[i].size() - std::size_t{in.headers[i].clock_reads} * sizeof(std::int64_t);
    padded.emplace_back(in.payloads[i].data(), body);
  }
  simdjson::ondemand::parser parser;
  // One untimed pass first: the parser sizes its buffers on its first documents.
  const auto walk_pass = [&] {
    std::uint64_t tokens = 0;
    std::uint64_t touch = 0;
    for (const auto& p : padded) {
      simdjson::ondemand::document doc;
      if (parser.iterate(p).get(doc) != simdjson::SUCCESS) continue;
      simdjson::ondemand::value root;
      if (doc.get_value().get(root) == simdjson::SUCCESS) tokens += walk(root, 0, touch);
    }
    report.walk_tokens = tokens;
    report.walk_touch = touch;
  };
  walk_pass();
  const double walk_ns = best_ns(o.rounds, walk_pass);
  report.walk_ns_per_frame = walk_ns / static_cast<double>(report.frames);
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
