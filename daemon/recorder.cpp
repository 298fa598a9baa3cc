#include "daemon/recorder.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <sstream>

#include <fmt/format.h>

#include "daemon/log_queue.hpp"
#include "feeds/common/venue_books.hpp"
#include "record/writer.hpp"

namespace wirebook::daemon {

namespace {

namespace fs = std::filesystem;
using record::RecordHeader;
using record::RecordKind;
using Clock = std::chrono::steady_clock;

constexpr int kWarn = 3;  // spdlog::level::warn
constexpr int kInfo = 2;
constexpr std::size_t kBatch = 256;
constexpr auto kFlushEvery = std::chrono::milliseconds(200);  // a kill -9 loses at most this
constexpr auto kIdleSleep = std::chrono::milliseconds(2);

std::string utc_stamp() {
  const std::int64_t ns = feeds::untapped_realtime_ns();
  const std::time_t s = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char text[32];
  (void)std::strftime(text, sizeof text, "%Y%m%dT%H%M%S", &tm);
  return fmt::format("{}.{:09}Z", text, ns % 1'000'000'000);
}

}  // namespace

std::string redact_credentials(const std::string& config_text) {
  std::istringstream in(config_text);
  std::string out;
  std::string line;
  for (int guard = 0; guard < 10'000'000 && std::getline(in, line); ++guard) {
    const auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line.compare(first, 4, "api_") == 0) {
      const auto key_end = line.find_first_of(" \t=", first);
      const std::string key = line.substr(first, key_end - first);
      const bool file = key.size() > 5 && key.compare(key.size() - 5, 5, "_file") == 0;
      line = line.substr(0, first) + key + (file ? " = \"/redacted\"" : " = \"REDACTED\"");
    }
    out += line;
    out += '\n';
  }
  return out;
}

VenueRecorder::VenueRecorder(const config::RecordConfig& rc, std::uint8_t venue_index,
                             std::string venue, std::string kind, std::string config_text,
                             LogQueue& log)
    : rc_(rc),
      venue_index_(venue_index),
      venue_(std::move(venue)),
      kind_(std::move(kind)),
      log_(log),
      ring_(rc.buffer_bytes),
      queue_(rc.queue_records, 1, 0),
      producer_(queue_) {
  meta_ = "venue=" + venue_ + "\nkind=" + kind_ + "\nconfig=\n" + redact_credentials(config_text);
  fs::create_directories(venue_dir());
}

VenueRecorder::~VenueRecorder() {
  stop();
}

fs::path VenueRecorder::venue_dir() const {
  return fs::path(rc_.directory) / venue_;
}

void VenueRecorder::add_preamble(const RecordHeader& header, std::string payload) {
  preamble_.emplace_back(header, std::move(payload));
}

void VenueRecorder::start() {
  open_file();
  thread_ = std::thread([this] { run(); });
}

void VenueRecorder::stop() noexcept {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

// --- venue thread -----------------------------------------------------------

char* VenueRecorder::reserve(std::size_t max_bytes) noexcept {
  const std::uint64_t cap = ring_.size();
  if (max_bytes > cap) {
    drop();
    return nullptr;
  }
  std::uint64_t start = head_;
  const std::uint64_t room_to_end = cap - head_ % cap;
  if (room_to_end < max_bytes) start += room_to_end;  // payloads stay contiguous
  // The writer's tail is read again only when the last value read leaves no
  // room: a load per record would pull its cache line from the writer's core
  // every time. Pairs with the writer's release store after it wrote the bytes out.
  if (start + max_bytes - tail_seen_ > cap) {
    tail_seen_ = tail_.load(std::memory_order_acquire);
    if (start + max_bytes - tail_seen_ > cap) {
      drop();
      return nullptr;
    }
  }
  reserved_at_ = start;
  return ring_.data() + start % cap;
}

void VenueRecorder::commit(RecordHeader header, std::size_t bytes) noexcept {
  if (pending_drops_ > 0) {
    RecordHeader gap{};
    gap.kind = RecordKind::gap;
    gap.tag = pending_drops_;
    gap.realtime_ns = header.realtime_ns;
    gap.mono_ns = header.mono_ns;
    gap.connection = header.connection;
    if (!queue_.try_enqueue(producer_, Item{gap, head_, head_})) {
      drop();
      return;
    }
    pending_drops_ = 0;
  }
  header.payload_bytes = static_cast<std::uint32_t>(bytes);
  // The enqueue publishes the payload bytes (moodycamel: release on enqueue,
  // acquire on dequeue).
  if (!queue_.try_enqueue(producer_, Item{header, reserved_at_, reserved_at_ + bytes})) {
    drop();
    return;
  }
  head_ = reserved_at_ + bytes;
  feeds::bump(counters_.records);  // the venue thread is its only writer
}

void VenueRecorder::record(const RecordHeader& header, const char* data, std::size_t len) noexcept {
  char* p = reserve(len);
  if (p == nullptr) return;
  if (len > 0) std::memcpy(p, data, len);
  commit(header, len);
}

void VenueRecorder::drop() noexcept {
  ++pending_drops_;
  feeds::bump(counters_.dropped);
}

// --- writer thread ----------------------------------------------------------

void VenueRecorder::run() noexcept {
  moodycamel::ConsumerToken consumer(queue_);
  std::vector<Item> items(kBatch);
  for (;;) {
    const bool stopping = stop_.load(std::memory_order_acquire);
    const std::size_t n = queue_.try_dequeue_bulk(consumer, items.data(), kBatch);
    try {
      for (std::size_t i = 0; i < n; ++i) write_item(items[i]);
      if (writer_ && (stopping || Clock::now() - flushed_at_ >= kFlushEvery)) {
        writer_->flush();
        flushed_at_ = Clock::now();
      }
      maybe_rotate();
    } catch (const std::exception& e) {
      counters_.write_errors.fetch_add(1, std::memory_order_relaxed);
      log(4, fmt::format("recorder: {} (recording resumes in a new file)", e.what()));
      writer_.reset();  // the next record opens a new file, starting with a gap
      opened_at_ = Clock::now();
    }
    for (std::size_t i = 0; i < n; ++i) tail_.store(items[i].end, std::memory_order_release);
    if (n == 0 && stopping) break;
    if (n == 0) std::this_thread::sleep_for(kIdleSleep);
  }
  try {
    if (writer_) writer_->close();
  } catch (const std::exception& e) {
    log(4, fmt::format("recorder: {}", e.what()));
  }
  writer_.reset();
}

void VenueRecorder::write_item(const Item& item) {
  if (!writer_) {
    if (Clock::now() - opened_at_ < std::chrono::seconds(1)) {  // retry once a second
      ++lost_in_errors_;
      return;
    }
    open_file();
    RecordHeader gap{};
    gap.kind = RecordKind::gap;
    gap.tag = lost_in_errors_;
    gap.realtime_ns = item.header.realtime_ns;
    gap.mono_ns = item.header.mono_ns;
    writer_->append(gap, {});
    counters_.gaps.fetch_add(1, std::memory_order_relaxed);
    lost_in_errors_ = 0;
  }
  const std::uint64_t cap = ring_.size();
  const std::string_view payload(ring_.data() + item.begin % cap, item.end - item.begin);
  const std::uint64_t before = writer_->size_bytes();
  writer_->append(item.header, payload);
  counters_.bytes.fetch_add(writer_->size_bytes() - std::min(before, writer_->size_bytes()),
                            std::memory_order_relaxed);
  if (item.header.kind == RecordKind::gap) counters_.gaps.fetch_add(1, std::memory_order_relaxed);
}

void VenueRecorder::open_file() {
  opened_at_ = Clock::now();
  flushed_at_ = opened_at_;
  const fs::path path =
      venue_dir() / fmt::format("{}-{}-{:04}.wbrec", venue_, utc_stamp(), file_number_++);
  writer_ = std::make_unique<record::RecordWriter>(path);
  RecordHeader meta{};
  meta.kind = RecordKind::meta;
  meta.realtime_ns = feeds::untapped_realtime_ns();
  meta.mono_ns = feeds::monotonic_ns();
  writer_->append(meta, meta_);
  for (const auto& [header, payload] : preamble_) writer_->append(header, payload);
  counters_.files.fetch_add(1, std::memory_order_relaxed);
  log(kInfo, fmt::format("recording to {}", path.string()));
}

void VenueRecorder::maybe_rotate() {
  if (!writer_) return;
  const bool big = writer_->size_bytes() >= rc_.rotate_bytes;
  const bool old = Clock::now() - opened_at_ >= std::chrono::seconds(rc_.rotate_s);
  if (!big && !old) return;
  writer_->close();
  writer_.reset();
  open_file();
  apply_retention();
}

void VenueRecorder::apply_retention() noexcept {
  if (rc_.retention_hours == 0) return;
  try {
    const auto limit = fs::file_time_type::clock::now() - std::chrono::hours(rc_.retention_hours);
    for (const auto& e : fs::directory_iterator(venue_dir())) {
      if (e.path().extension() != ".wbrec" || !e.is_regular_file()) continue;
      if (writer_ && e.path() == writer_->path()) continue;
      if (e.last_write_time() < limit) fs::remove(e.path());
    }
  } catch (const std::exception& e) {
    log(kWarn, fmt::format("recorder retention: {}", e.what()));
  }
}

void VenueRecorder::log(int level, const std::string& message) noexcept {
  (void)log_.push(level, venue_index_, message);
}

// --- RecordingHandler -------------------------------------------------------

void RecordingHandler::begin() noexcept {
  clock_count_ = 0;
  clock_overflow_ = false;
  feeds::t_clock_tap = this;
}

std::int64_t RecordingHandler::realtime(std::int64_t clock_ns) noexcept {
  if (clock_count_ < kMaxClockReads) {
    clock_[clock_count_++] = clock_ns;
  } else {
    clock_overflow_ = true;
  }
  return clock_ns;
}

void RecordingHandler::end(RecordKind kind, std::initializer_list<std::string_view> parts,
                           std::int64_t rt, std::int64_t mono, std::uint64_t tag) noexcept {
  feeds::t_clock_tap = nullptr;
  if (clock_overflow_) {
    recorder_.lose();  // cannot be replayed exactly: a counted gap
    return;
  }
  std::size_t len = 0;
  for (const std::string_view part : parts) len += part.size();
  const std::size_t clock_bytes = clock_count_ * sizeof(std::int64_t);
  char* p = recorder_.reserve(len + clock_bytes);
  if (p == nullptr) return;
  for (const std::string_view part : parts) {
    if (!part.empty()) std::memcpy(p, part.data(), part.size());
    p += part.size();
  }
  if (clock_bytes > 0) std::memcpy(p, clock_, clock_bytes);
  RecordHeader h{};
  h.kind = kind;
  h.clock_reads = static_cast<std::uint16_t>(clock_count_);
  h.connection = connection_;
  h.tag = tag;
  h.realtime_ns = rt;
  h.mono_ns = mono;
  recorder_.commit(h, len + clock_bytes);
}

void RecordingHandler::end_build() {
  feeds::t_clock_tap = nullptr;
  RecordHeader h{};
  h.kind = RecordKind::feed_built;
  h.clock_reads = static_cast<std::uint16_t>(clock_count_);
  h.realtime_ns = feeds::untapped_realtime_ns();
  h.mono_ns = feeds::monotonic_ns();
  // More reads than kept: the first kMaxClockReads replay exactly, the rest
  // read the clock (replay counts them).
  recorder_.add_preamble(
      h, std::string(reinterpret_cast<const char*>(clock_), clock_count_ * sizeof(std::int64_t)));
}

template <class Call>
void RecordingHandler::record_call(RecordKind kind, std::uint64_t tag, std::int64_t mono,
                                   Call call) {
  begin();
  try {
    call();
  } catch (...) {
    end(kind, {}, feeds::untapped_realtime_ns(), mono, tag);
    throw;
  }
  end(kind, {}, feeds::untapped_realtime_ns(), mono, tag);
}

void RecordingHandler::on_open(std::int64_t now_mono_ns) {
  ++connection_;
  record_call(RecordKind::open, 0, now_mono_ns, [&] { inner_->on_open(now_mono_ns); });
}

void RecordingHandler::on_close(std::int64_t now_mono_ns) {
  record_call(RecordKind::close, 0, now_mono_ns, [&] { inner_->on_close(now_mono_ns); });
}

bool RecordingHandler::on_frame(const char* data, std::size_t len, std::size_t capacity,
                                std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept {
  begin();
  const bool reconnect = inner_->on_frame(data, len, capacity, recv_realtime_ns, recv_mono_ns);
  end(RecordKind::frame_in, {std::string_view(data, len)}, recv_realtime_ns, recv_mono_ns);
  return reconnect;
}

bool RecordingHandler::on_timer(std::int64_t now_mono_ns) noexcept {
  begin();
  const bool reconnect = inner_->on_timer(now_mono_ns);
  end(RecordKind::timer, {}, feeds::untapped_realtime_ns(), now_mono_ns);
  return reconnect;
}

void RecordingHandler::on_stream_open(std::size_t stream, std::int64_t now_mono_ns) {
  ++connection_;
  record_call(RecordKind::stream_open, stream, now_mono_ns,
              [&] { inner_->on_stream_open(stream, now_mono_ns); });
}

void RecordingHandler::on_stream_close(std::size_t stream, std::int64_t now_mono_ns) {
  record_call(RecordKind::stream_close, stream, now_mono_ns,
              [&] { inner_->on_stream_close(stream, now_mono_ns); });
}

bool RecordingHandler::on_stream_event(std::size_t stream, const feeds::SseEvent& event,
                                       std::int64_t recv_realtime_ns,
                                       std::int64_t recv_mono_ns) noexcept {
  begin();
  const bool reconnect = inner_->on_stream_event(stream, event, recv_realtime_ns, recv_mono_ns);
  const record::StreamEventHead head{static_cast<std::uint32_t>(event.type.size()),
                                     static_cast<std::uint32_t>(event.id.size()),
                                     event.id_in_event ? 1U : 0U};
  end(RecordKind::stream_event,
      {std::string_view(reinterpret_cast<const char*>(&head), sizeof head), event.type, event.id,
       std::string_view(event.data, event.len)},
      recv_realtime_ns, recv_mono_ns, stream);
  return reconnect;
}

void RecordingHandler::on_stream_comment(std::size_t stream, std::string_view text,
                                         std::int64_t recv_mono_ns) noexcept {
  begin();
  inner_->on_stream_comment(stream, text, recv_mono_ns);
  end(RecordKind::stream_comment, {text}, feeds::untapped_realtime_ns(), recv_mono_ns, stream);
}

void RecordingHandler::on_stream_refused(std::size_t stream, unsigned http_status) noexcept {
  begin();
  inner_->on_stream_refused(stream, http_status);
  const std::uint32_t status = http_status;
  end(RecordKind::stream_refused,
      {std::string_view(reinterpret_cast<const char*>(&status), sizeof status)},
      feeds::untapped_realtime_ns(), feeds::monotonic_ns(), stream);
}

bool RecordingHandler::on_stream_timer(std::size_t stream, std::int64_t now_mono_ns) noexcept {
  begin();
  const bool reconnect = inner_->on_stream_timer(stream, now_mono_ns);
  end(RecordKind::stream_timer, {}, feeds::untapped_realtime_ns(), now_mono_ns, stream);
  return reconnect;
}

void RecordingHandler::on_idle(std::int64_t now_mono_ns) noexcept {
  RecordHeader h{};
  h.kind = RecordKind::idle;
  h.connection = connection_;
  h.realtime_ns = feeds::untapped_realtime_ns();
  h.mono_ns = now_mono_ns;
  recorder_.record(h, nullptr, 0);
}

// A frame the feed sends while it handles an input: recorded before that
// input's own record (which is written once the handler returns).
void RecordingHandler::send_text(std::string_view frame) {
  RecordHeader h{};
  h.kind = RecordKind::frame_out;
  h.connection = connection_;
  h.realtime_ns = feeds::untapped_realtime_ns();
  h.mono_ns = feeds::monotonic_ns();
  recorder_.record(h, frame.data(), frame.size());
  // The transport's own clock reads are not the feed's: not recorded.
  feeds::ClockTap* const tap = feeds::t_clock_tap;
  feeds::t_clock_tap = nullptr;
  try {
    next_.send_text(frame);
  } catch (...) {
    feeds::t_clock_tap = tap;
    throw;
  }
  feeds::t_clock_tap = tap;
}

// --- REST -------------------------------------------------------------------

namespace {

RecordHeader rest_header(RecordKind kind, std::uint32_t channel, std::uint64_t tag, int status,
                         std::int64_t rt, std::int64_t mono) {
  RecordHeader h{};
  h.kind = kind;
  h.connection = channel;
  h.tag = tag;
  h.status = status;
  h.realtime_ns = rt;
  h.mono_ns = mono;
  return h;
}

// One recorded channel: the GETs as the feed made them, the replies as it
// took them (the realtime the caller passed, never the tapped clock).
class RecordingChannel final : public feeds::RestChannel, private feeds::RestReplies {
 public:
  RecordingChannel(VenueRecorder& recorder, std::uint32_t number,
                   std::unique_ptr<feeds::RestChannel> inner)
      : recorder_(recorder), number_(number), inner_(std::move(inner)) {}

  bool get(std::string_view target, std::uint64_t tag) override {
    const bool queued = inner_->get(target, tag);
    recorder_.record(rest_header(RecordKind::rest_get, number_, tag, queued ? 1 : 0,
                                 feeds::untapped_realtime_ns(), feeds::monotonic_ns()),
                     target.data(), target.size());
    return queued;
  }
  void poll(feeds::RestReplies& replies, std::int64_t rt, std::int64_t mono) noexcept override {
    next_ = &replies;
    inner_->poll(*this, rt, mono);
  }

 private:
  void on_rest_reply(std::uint64_t tag, int status, const char* data, std::size_t len,
                     std::size_t cap, std::int64_t rt, std::int64_t mono) noexcept override {
    recorder_.record(rest_header(RecordKind::rest_reply, number_, tag, status, rt, mono), data,
                     len);
    next_->on_rest_reply(tag, status, data, len, cap, rt, mono);
  }

  VenueRecorder& recorder_;
  std::uint32_t number_;
  std::unique_ptr<feeds::RestChannel> inner_;
  feeds::RestReplies* next_ = nullptr;
};

}  // namespace

feeds::RestResult RecordingRest::get(const feeds::RestEndpoint& ep, std::string_view target,
                                     std::chrono::milliseconds timeout) {
  feeds::RestResult r = inner_.get(ep, target, timeout);
  const std::uint64_t tag = record::kStartupLookup | lookups_++;
  const std::int64_t rt = feeds::untapped_realtime_ns();
  const std::int64_t mono = feeds::monotonic_ns();
  recorder_.add_preamble(rest_header(RecordKind::rest_get, 0, tag, 1, rt, mono),
                         std::string(target));
  recorder_.add_preamble(rest_header(RecordKind::rest_reply, 0, tag, r.status, rt, mono),
                         r.status == 0 ? r.error : r.body);
  return r;
}

std::unique_ptr<feeds::RestChannel> RecordingRest::channel(const feeds::RestEndpoint& ep,
                                                           std::chrono::milliseconds timeout) {
  return std::make_unique<RecordingChannel>(recorder_, ++channels_, inner_.channel(ep, timeout));
}

}  // namespace wirebook::daemon
