// The recorder's cost on the venue thread (README "Recordings"): the WOO
// pipeline (parse + prevTs chain + apply + shm publish) with and without the
// RecordingHandler in front of it, over the same 200,000 generated frames,
// alternating per frame like the venue benches so the host's speed swings hit
// both sides alike. The recorded side copies every frame into the recorder's
// ring and queue; its writer thread compresses and writes to a temporary
// directory (removed at the end), as wirebookd does. Both sides' books are
// checked against the generator's truth; a dropped record fails the bench
// (the figure would be the cost of dropping, not of recording).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "bench/bench_util.hpp"
#include "bench/feeds/pipeline.hpp"
#include "bench/feeds/woo_stream.hpp"
#include "config/config.hpp"
#include "daemon/log_queue.hpp"
#include "daemon/recorder.hpp"
#include "feeds/common/venue_module.hpp"
#include "feeds/woo/woo_feed.hpp"

using namespace wirebook;
using bench::Frame;

namespace {

constexpr std::size_t kFrames = 200'000;
using WooHandler = feeds::FeedHandler<feeds::woo::WooFeed>;

// The plain pipeline, rebuilt at the first frame of every round (fresh books
// and feed, as compare_with does for the recorded side).
class PlainPipeline {
 public:
  PlainPipeline(const bench::WooStream& stream, shm::VenueWriter* writer)
      : stream_(stream), writer_(writer) {}
  bool run(const Frame& f, std::int64_t now) {
    if (&f == stream_.frames.data()) restart();
    (void)handler_->on_frame(f.buf.data(), f.len, f.buf.size(), now, ++mono_);
    return true;
  }
  [[nodiscard]] bool books_ok() { return bench::books_match(*books_, stream_.truth); }

 private:
  void restart() {
    handler_.reset();
    books_ = std::make_unique<feeds::VenueBooks>(stream_.specs(), 4000, 1024, writer_);
    handler_ = std::make_unique<WooHandler>(*books_, out_, feeds::woo::WooOptions{});
    handler_->on_open(1);
  }
  const bench::WooStream& stream_;
  shm::VenueWriter* writer_;
  bench::NullOutbox out_;
  std::unique_ptr<feeds::VenueBooks> books_;
  std::unique_ptr<WooHandler> handler_;
  std::int64_t mono_ = 1;
};

}  // namespace

int main() {
  std::printf("wirebook record_bench  cpu: %s\n", bench::cpu_name().c_str());
  if (!bench::pin_to_cpu(bench::bench_cpu(1))) (void)bench::pin_to_cpu(0);
  const bench::WooStream stream = bench::make_woo_stream(kFrames);
  const bench::BenchSegment plain_segment("woo-plain", stream.symbols);
  const bench::BenchSegment recorded_segment("woo-recorded", stream.symbols);
  if (plain_segment.writer() == nullptr || recorded_segment.writer() == nullptr) {
    std::printf("cannot create segments: %s%s\n", plain_segment.error().c_str(),
                recorded_segment.error().c_str());
    return 2;
  }
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("wirebook-record-bench-" + std::to_string(getpid()));
  config::RecordConfig rc;
  rc.enabled = true;
  rc.directory = dir.string();
  daemon::LogQueue log(1024);
  daemon::VenueRecorder recorder(rc, 0, "woo", "woo", "# record_bench\n", log);
  recorder.start();

  PlainPipeline plain(stream, plain_segment.writer());
  const auto plain_one = [&](const Frame& f, std::size_t& /*checksum*/) {
    return plain.run(f, bench::now_ns());
  };
  bench::NullOutbox venue_out;
  const auto make_recorded = [&](feeds::VenueBooks& books) {
    auto recording = std::make_unique<daemon::RecordingHandler>(recorder, venue_out);
    recording->wrap(std::make_unique<WooHandler>(books, *recording, feeds::woo::WooOptions{}));
    recording->on_open(1);
    return [recording = std::move(recording)](const Frame& f, std::int64_t now, std::int64_t mono) {
      (void)recording->on_frame(f.buf.data(), f.len, f.buf.size(), now, mono);
    };
  };
  const bench::Labels labels{"unrecorded", "pipeline, not recorded, per frame",
                             "recorded",   "pipeline + recorder per frame",
                             "recorded",   "recorded/unrecorded"};
  int rc_exit = bench::compare_with(stream.frames, stream.specs(), 1024, recorded_segment.writer(),
                                    stream.truth, make_recorded, plain_one, labels);
  recorder.stop();
  const auto& c = recorder.counters();
  std::printf("recorder: %llu records, %llu dropped, %llu files, %.1f MB written\n",
              static_cast<unsigned long long>(c.records.load()),
              static_cast<unsigned long long>(c.dropped.load()),
              static_cast<unsigned long long>(c.files.load()),
              static_cast<double>(c.bytes.load()) / 1e6);
  if (!plain.books_ok()) {
    std::printf("FAILED: the unrecorded books differ from the truth\n");
    rc_exit = 1;
  }
  if (c.dropped.load() != 0) {
    std::printf("FAILED: the recorder dropped records\n");
    rc_exit = 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc_exit;
}
