// The daemon's recorder on its own: a full buffer or queue never blocks the
// venue thread; what it drops is counted and marked by one gap record.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/log_queue.hpp"
#include "daemon/recorder.hpp"
#include "record/reader.hpp"

namespace fs = std::filesystem;
using wirebook::daemon::LogQueue;
using wirebook::daemon::VenueRecorder;
using namespace wirebook::record;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("wb-recorder-test-" + std::to_string(::getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

RecordHeader frame_header(int i) {
  RecordHeader h{};
  h.kind = RecordKind::frame_in;
  h.connection = 1;
  h.realtime_ns = 1'000 + i;
  h.mono_ns = i;
  return h;
}

}  // namespace

TEST_CASE("a full recorder buffer drops, counts, and marks the place with one gap record",
          "[record][recorder]") {
  TempDir tmp;
  wirebook::config::RecordConfig rc;
  rc.enabled = true;
  rc.directory = tmp.path.string();
  rc.buffer_bytes = 64 * 1024;  // 64 frames of 1000 bytes fit
  rc.queue_records = 1024;
  LogQueue log(64);
  std::vector<fs::path> files;
  {
    VenueRecorder rec(rc, 0, "v", "woo", "[daemon]\ninstance = \"t\"\n", log);
    const std::string frame(1000, 'x');
    // The writer thread is not running yet: the venue side fills up and drops.
    for (int i = 0; i < 200; ++i) rec.record(frame_header(i), frame.data(), frame.size());
    const std::uint64_t dropped = rec.counters().dropped.load();
    CHECK(dropped > 100);
    CHECK(rec.counters().records.load() == 200 - dropped);
    rec.start();
    // Room again once the writer drains: the next record comes after a gap.
    bool recorded = false;
    for (int attempt = 0; attempt < 5000 && !recorded; ++attempt) {
      const std::uint64_t before = rec.counters().records.load();
      rec.record(frame_header(1000), frame.data(), frame.size());
      recorded = rec.counters().records.load() > before;
      if (!recorded) usleep(1000);
    }
    REQUIRE(recorded);
    rec.stop();
    for (const auto& e : fs::directory_iterator(rec.venue_dir())) files.push_back(e.path());
  }
  REQUIRE(files.size() == 1);
  RecordReader r(files[0]);
  RecordView v;
  std::vector<RecordKind> kinds;
  std::uint64_t gap_count = 0;
  ReadStatus st = ReadStatus::ok;
  for (int guard = 0; guard < 10'000 && (st = r.next(v)) == ReadStatus::ok; ++guard) {
    kinds.push_back(v.header.kind);
    if (v.header.kind == RecordKind::gap) gap_count = v.header.tag;
  }
  CHECK(st == ReadStatus::end);
  REQUIRE(kinds.size() >= 3);
  CHECK(kinds.front() == RecordKind::meta);
  // meta, the frames that fit, one gap, the frame after it.
  CHECK(kinds[kinds.size() - 2] == RecordKind::gap);
  CHECK(kinds.back() == RecordKind::frame_in);
  CHECK(std::count(kinds.begin(), kinds.end(), RecordKind::gap) == 1);
  CHECK(gap_count > 100);
}
