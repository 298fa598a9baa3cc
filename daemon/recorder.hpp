#pragma once
// The recorder (README "Recordings"): per venue, every input the venue logic
// received (frames with their receive times, connection open/close, timer
// ticks, and the realtime values it read meanwhile) and every frame it sent,
// written by a cold thread into rotating recording files (record/).
//
// Threading: the venue thread calls RecordingHandler (and through it
// VenueRecorder::reserve/commit); it never blocks and never allocates: the
// payload goes into a preallocated byte ring, the record's header through a
// preallocated moodycamel queue with try_enqueue. A full ring or queue drops
// the record, counts it, and the next record that fits is preceded by a gap
// record (replay then distrusts the books until a fresh snapshot). The
// writer thread is VenueRecorder's own; start()/stop() from the cold thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <concurrentqueue/concurrentqueue.h>

#include "config/config.hpp"
#include "feeds/common/clock.hpp"
#include "feeds/common/forwarding_handler.hpp"
#include "feeds/common/https_client.hpp"
#include "feeds/common/session.hpp"
#include "record/format.hpp"

namespace wirebook::record {
class RecordWriter;
}

namespace wirebook::daemon {

class LogQueue;

struct RecorderCounters {
  std::atomic<std::uint64_t> records{0};  // handed to the writer
  std::atomic<std::uint64_t> dropped{0};  // lost to a full queue or ring
  std::atomic<std::uint64_t> gaps{0};     // gap records written
  std::atomic<std::uint64_t> files{0};    // files opened
  std::atomic<std::uint64_t> bytes{0};    // bytes written to files
  std::atomic<std::uint64_t> write_errors{0};
};

class VenueRecorder {
 public:
  VenueRecorder(const config::RecordConfig& rc, std::uint8_t venue_index, std::string venue,
                std::string kind, std::string config_text, LogQueue& log);
  ~VenueRecorder();
  VenueRecorder(const VenueRecorder&) = delete;
  VenueRecorder& operator=(const VenueRecorder&) = delete;

  void start();
  void stop() noexcept;  // drains what is queued, closes the file, joins

  // Venue thread: room for a payload of up to max_bytes, or nullptr (dropped, counted).
  [[nodiscard]] char* reserve(std::size_t max_bytes) noexcept;
  // Venue thread: queues the reserved record with `bytes` of payload.
  void commit(record::RecordHeader header, std::size_t bytes) noexcept;
  // Venue thread: an input that could not be recorded (counted, then a gap).
  void lose() noexcept { drop(); }
  // reserve + copy + commit.
  void record(const record::RecordHeader& header, const char* data, std::size_t len) noexcept;

  // Cold thread, before start(): a record written after the meta record of
  // every file (the start-up REST lookups the venue's feed was built from).
  void add_preamble(const record::RecordHeader& header, std::string payload);

  [[nodiscard]] const RecorderCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] std::filesystem::path venue_dir() const;

 private:
  struct Item {
    record::RecordHeader header;
    std::uint64_t begin;  // ring positions (absolute)
    std::uint64_t end;
  };
  void drop() noexcept;
  void run() noexcept;
  void write_item(const Item& item);
  void open_file();
  void maybe_rotate();
  void apply_retention() noexcept;
  void log(int level, const std::string& message) noexcept;

  config::RecordConfig rc_;
  std::uint8_t venue_index_;
  std::string venue_;
  std::string kind_;
  std::string meta_;
  std::vector<std::pair<record::RecordHeader, std::string>> preamble_;
  LogQueue& log_;

  std::vector<char> ring_;
  std::atomic<std::uint64_t> tail_{0};  // consumer: bytes freed
  std::uint64_t head_ = 0;              // producer only
  std::uint64_t tail_seen_ = 0;         // producer only: tail_ as last read
  std::uint64_t reserved_at_ = 0;       // producer only: start of the pending reservation
  std::uint64_t pending_drops_ = 0;     // producer only: not yet announced by a gap
  moodycamel::ConcurrentQueue<Item> queue_;
  moodycamel::ProducerToken producer_;
  RecorderCounters counters_;

  std::unique_ptr<record::RecordWriter> writer_;  // writer thread
  std::chrono::steady_clock::time_point opened_at_{};
  std::chrono::steady_clock::time_point flushed_at_{};
  std::uint64_t file_number_ = 0;
  std::uint64_t lost_in_errors_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Wraps a venue's FrameHandler (and is the Outbox its feed sends through):
// each input is recorded after the feed handled it, with the realtime values
// the feed read meanwhile (a feeds::ClockTap installed for the call).
// Venue thread only.
class RecordingHandler final : public feeds::ForwardingHandler,
                               public feeds::Outbox,
                               private feeds::ClockTap {
 public:
  static constexpr std::size_t kMaxClockReads = 256;

  RecordingHandler(VenueRecorder& recorder, feeds::Outbox& next)
      : recorder_(recorder), next_(next) {}
  void wrap(std::unique_ptr<feeds::FrameHandler> inner) {
    inner_ = std::move(inner);
    forward_to(*inner_);
  }
  // Around the feed's construction (cold thread, before the recorder starts):
  // the realtime values the feed reads while it is built (its books' first
  // status events, say) become a feed_built record after each file's meta.
  void begin_build() noexcept { begin(); }
  void end_build();
  [[nodiscard]] feeds::FrameHandler& inner() noexcept { return *inner_; }

  void on_open(std::int64_t now_mono_ns) override;
  void on_close(std::int64_t now_mono_ns) override;
  bool on_frame(const char* data, std::size_t len, std::size_t capacity,
                std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept override;
  bool on_timer(std::int64_t now_mono_ns) noexcept override;

  // Multi-stream transports: the questions (stream_targets, stream_headers,
  // stream_enabled) go to the feed unrecorded, as ForwardingHandler passes
  // them (the answers follow from the config and what the feed was given);
  // the inputs are recorded per stream.
  void on_stream_open(std::size_t stream, std::int64_t now_mono_ns) override;
  void on_stream_close(std::size_t stream, std::int64_t now_mono_ns) override;
  bool on_stream_event(std::size_t stream, const feeds::SseEvent& event,
                       std::int64_t recv_realtime_ns, std::int64_t recv_mono_ns) noexcept override;
  void on_stream_comment(std::size_t stream, std::string_view text,
                         std::int64_t recv_mono_ns) noexcept override;
  bool on_stream_timer(std::size_t stream, std::int64_t now_mono_ns) noexcept override;
  void on_stream_refused(std::size_t stream, unsigned http_status) noexcept override;

  void send_text(std::string_view frame) override;
  // The venue's housekeeping called its segment's idle(now) (it may append a
  // HEARTBEAT event to the ring, so replay repeats it in place).
  void on_idle(std::int64_t now_mono_ns) noexcept;

 private:
  std::int64_t realtime(std::int64_t clock_ns) noexcept override;
  void begin() noexcept;
  // Records the input just handled: its payload parts back to back, then the
  // clock values read.
  void end(record::RecordKind kind, std::initializer_list<std::string_view> parts, std::int64_t rt,
           std::int64_t mono, std::uint64_t tag = 0) noexcept;
  // on_open/on_close and their per-stream forms: recorded also when the feed throws.
  template <class Call>
  void record_call(record::RecordKind kind, std::uint64_t tag, std::int64_t mono, Call call);

  VenueRecorder& recorder_;
  feeds::Outbox& next_;
  std::unique_ptr<feeds::FrameHandler> inner_;
  std::uint32_t connection_ = 0;
  std::size_t clock_count_ = 0;
  bool clock_overflow_ = false;
  std::int64_t clock_[kMaxClockReads]{};
};

// The venue's REST while it is recorded: live HTTPS, each start-up lookup
// kept as a preamble record, each channel's GETs and the replies handed to
// the feed recorded on the venue thread where the feed made and took them
// (a reply before the record of the input that polled it, so replay hands it
// over at the same point). Built and used by make_feed on the cold thread;
// its channels then live on the venue thread.
class RecordingRest final : public feeds::RestSource {
 public:
  // `inner` does the requests (the venue's rate-limited live source): the
  // recording keeps what the feed asked when it asked, as replay asks it.
  explicit RecordingRest(VenueRecorder& recorder, feeds::RestSource& inner = feeds::live_rest())
      : recorder_(recorder), inner_(inner) {}
  feeds::RestResult get(const feeds::RestEndpoint& ep, std::string_view target,
                        std::chrono::milliseconds timeout) override;
  std::unique_ptr<feeds::RestChannel> channel(const feeds::RestEndpoint& ep,
                                              std::chrono::milliseconds timeout) override;

 private:
  VenueRecorder& recorder_;
  feeds::RestSource& inner_;
  std::uint32_t channels_ = 0;
  std::uint64_t lookups_ = 0;
};

// The config text with every api_* credential reference replaced (a
// recording never carries where secrets live, nor a secret written by mistake).
[[nodiscard]] std::string redact_credentials(const std::string& config_text);

}  // namespace wirebook::daemon
