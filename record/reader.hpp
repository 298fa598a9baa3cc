#pragma once
// Reads a recording file (format.hpp) record by record, from its start or
// from the first chunk that can hold a given receive time (the index: the
// trailer's when the file was closed cleanly, else rebuilt by walking the
// chunk headers).
//
// A file cut while a chunk was being written (kill -9, power loss) ends in a
// torn chunk: every complete chunk before it is read, then next() says torn.
// A chunk whose header check or zstd checksum fails is corrupt: the chunks
// before it are read, then next() says corrupt. message() names the file and
// the chunk's offset in both cases.
//
// Threading: one thread. Errors: a file that cannot be opened or is no
// recording throws std::runtime_error; everything after that is a status.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "record/format.hpp"

namespace wirebook::record {

enum class ReadStatus : std::uint8_t { ok, end, torn, corrupt };

struct RecordView {
  RecordHeader header{};
  std::string_view payload;  // valid until the next call to next() or seek()
};

class RecordReader {
 public:
  explicit RecordReader(std::filesystem::path path);
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // The readable chunks in file order (the index).
  [[nodiscard]] const std::vector<IndexEntry>& chunks() const noexcept { return chunks_; }
  // True when the file ends with a valid index and trailer.
  [[nodiscard]] bool closed_cleanly() const noexcept { return indexed_; }

  // The next read starts at the first chunk whose records may have a receive
  // realtime >= from_realtime_ns (records before it in that chunk still come).
  void seek(std::int64_t from_realtime_ns) noexcept;
  // The next record, or why there is none (end, torn, corrupt).
  [[nodiscard]] ReadStatus next(RecordView& out);
  // What the last non-ok status means, with the file and offset.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

 private:
  bool read_index_from_trailer();
  void scan_chunks();
  bool read_at(std::uint64_t offset, void* data, std::size_t len) const;
  ReadStatus load_chunk(std::size_t i);
  ReadStatus stop(ReadStatus status, std::uint64_t offset, std::string_view why);

  std::filesystem::path path_;
  int fd_ = -1;
  void* dctx_ = nullptr;  // ZSTD_DCtx
  std::uint64_t file_bytes_ = 0;
  std::vector<IndexEntry> chunks_;
  bool indexed_ = false;
  // Where the chunk walk stopped short of the end (torn or corrupt), if it did.
  ReadStatus tail_status_ = ReadStatus::end;
  std::uint64_t tail_offset_ = 0;
  std::string tail_why_;

  std::size_t next_chunk_ = 0;
  std::string compressed_;
  std::string raw_;
  std::size_t raw_pos_ = 0;
  ReadStatus final_ = ReadStatus::ok;  // sticky once not ok
  std::string message_;
};

}  // namespace wirebook::record
