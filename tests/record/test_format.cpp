// The recording file format: round trip, seek by time through the index,
// a torn tail, a corrupted chunk, a file with no trailer.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "record/reader.hpp"
#include "record/writer.hpp"

namespace fs = std::filesystem;
using namespace wirebook::record;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("wb-record-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

std::string frame_text(int i) {
  return R"({"topic":"book","ts":)" + std::to_string(1000 + i) + R"(,"bids":[["1.)" +
         std::to_string(i) + R"(","2"]]})";
}

// Records i = 0..n-1: frame_in at realtime 1'000'000 * i, payload frame_text(i).
void write_frames(const fs::path& file, int n, std::size_t chunk_bytes, bool close) {
  RecordWriter w(file, WriterOptions{chunk_bytes, 3});
  for (int i = 0; i < n; ++i) {
    RecordHeader h{};
    h.kind = RecordKind::frame_in;
    h.connection = 1;
    h.realtime_ns = 1'000'000LL * i;
    h.mono_ns = 500 + i;
    w.append(h, frame_text(i));
  }
  if (close) {
    w.close();
  } else {
    w.flush();
  }
}

// Reads to the end; returns the frame numbers seen (from the mono stamp) and the final status.
std::vector<int> read_all(RecordReader& r, ReadStatus& status) {
  std::vector<int> seen;
  RecordView v;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    status = r.next(v);
    if (status != ReadStatus::ok) break;
    const int i = static_cast<int>(v.header.mono_ns - 500);
    REQUIRE(v.payload == frame_text(i));
    REQUIRE(v.header.realtime_ns == 1'000'000LL * i);
    seen.push_back(i);
  }
  return seen;
}

void flip_byte(const fs::path& p, std::uint64_t offset) {
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5A);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

}  // namespace

TEST_CASE("every record written comes back in order with its header and payload", "[record]") {
  TempDir dir;
  const fs::path file = dir.path / "a.wbrec";
  write_frames(file, 5000, 4096, true);
  RecordReader r(file);
  CHECK(r.closed_cleanly());
  CHECK(r.chunks().size() > 10);
  ReadStatus status{};
  const auto seen = read_all(r, status);
  CHECK(status == ReadStatus::end);
  REQUIRE(seen.size() == 5000);
  for (int i = 0; i < 5000; ++i) REQUIRE(seen[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("seek by receive time starts at the chunk holding that time", "[record]") {
  TempDir dir;
  const fs::path file = dir.path / "a.wbrec";
  write_frames(file, 5000, 4096, true);
  RecordReader r(file);
  r.seek(3000 * 1'000'000LL);
  ReadStatus status{};
  const auto seen = read_all(r, status);
  CHECK(status == ReadStatus::end);
  REQUIRE(!seen.empty());
  // The first record read is from the chunk holding t = 3000 ms: not later,
  // and no more than one chunk earlier.
  CHECK(seen.front() <= 3000);
  CHECK(seen.front() > 2800);
  CHECK(seen.back() == 4999);
  r.seek(1'000'000'000'000LL);  // after the last record
  RecordView v;
  CHECK(r.next(v) == ReadStatus::end);
}

TEST_CASE("a torn tail loses only the chunk being written", "[record]") {
  TempDir dir;
  const fs::path full = dir.path / "full.wbrec";
  write_frames(full, 3000, 4096, true);
  RecordReader whole(full);
  const auto& chunks = whole.chunks();
  REQUIRE(chunks.size() >= 3);
  const std::uint64_t last_chunk = chunks.back().offset;
  // Cut in the middle of the last data chunk: index and trailer are gone too.
  const fs::path cut = dir.path / "cut.wbrec";
  fs::copy_file(full, cut);
  fs::resize_file(cut, last_chunk + 60);
  RecordReader r(cut);
  CHECK_FALSE(r.closed_cleanly());
  CHECK(r.chunks().size() == chunks.size() - 1);
  ReadStatus status{};
  const auto seen = read_all(r, status);
  CHECK(status == ReadStatus::torn);
  CHECK(r.message().find(cut.string()) != std::string::npos);
  CHECK(r.message().find("offset " + std::to_string(last_chunk)) != std::string::npos);
  // Every record before the torn chunk, in order.
  REQUIRE(!seen.empty());
  for (std::size_t i = 0; i < seen.size(); ++i) REQUIRE(seen[i] == static_cast<int>(i));
  CHECK(seen.size() < 3000);
  CHECK(seen.size() > 2000);

  SECTION("a cut inside a chunk header is torn too") {
    fs::resize_file(cut, last_chunk + 10);
    RecordReader r2(cut);
    ReadStatus s2{};
    CHECK(read_all(r2, s2).size() == seen.size());
    CHECK(s2 == ReadStatus::torn);
  }
  SECTION("a cut exactly between chunks is a clean end without an index") {
    fs::resize_file(cut, last_chunk);
    RecordReader r2(cut);
    ReadStatus s2{};
    CHECK(read_all(r2, s2).size() == seen.size());
    CHECK(s2 == ReadStatus::end);
    CHECK_FALSE(r2.closed_cleanly());
  }
}

TEST_CASE("a corrupted chunk is reported with file and offset; the chunks before it are read",
          "[record]") {
  TempDir dir;
  const fs::path file = dir.path / "a.wbrec";
  write_frames(file, 3000, 4096, true);
  std::vector<IndexEntry> chunks;
  {
    RecordReader r(file);
    chunks = r.chunks();
  }
  REQUIRE(chunks.size() >= 4);
  const IndexEntry bad = chunks[2];

  SECTION("in the compressed bytes (zstd checksum)") {
    flip_byte(file, bad.offset + sizeof(ChunkHeader) + 20);
  }
  SECTION("in the chunk header (header check)") {
    flip_byte(file, bad.offset + 5);
  }
  SECTION("in the header, with the index lost too") {
    flip_byte(file, bad.offset + 5);
    fs::resize_file(file, chunks.back().offset + 30);
  }
  RecordReader r(file);
  ReadStatus status{};
  const auto seen = read_all(r, status);
  CHECK(status == ReadStatus::corrupt);
  INFO(r.message());
  CHECK(r.message().find(file.string()) != std::string::npos);
  CHECK(r.message().find("offset " + std::to_string(bad.offset)) != std::string::npos);
  // Exactly the records of chunks 0 and 1.
  REQUIRE(!seen.empty());
  for (std::size_t i = 0; i < seen.size(); ++i) REQUIRE(seen[i] == static_cast<int>(i));
  CHECK(seen.back() + 1 == bad.first_realtime_ns / 1'000'000);
}

TEST_CASE("a file that is no recording is refused with its name", "[record]") {
  TempDir dir;
  const fs::path file = dir.path / "not.wbrec";
  std::ofstream(file) << "hello, this is text";
  CHECK_THROWS_WITH(RecordReader(file), Catch::Contains(file.string()));
  CHECK_THROWS_WITH(RecordReader(dir.path / "missing.wbrec"), Catch::Contains("missing.wbrec"));
}
