#pragma once
// Writes one recording file (format.hpp): records are appended to a raw
// chunk buffer; a full buffer (or flush()) compresses it into one zstd frame
// and writes it with its header. close() appends the index and the trailer.
//
// Threading: one thread (the recorder's cold thread). Errors: open and I/O
// failures throw std::runtime_error naming the file.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "record/format.hpp"

namespace wirebook::record {

struct WriterOptions {
  std::size_t chunk_bytes = 1U << 20U;  // raw bytes per chunk before it is compressed
  int zstd_level = 3;
};

class RecordWriter {
 public:
  RecordWriter(std::filesystem::path path, WriterOptions options = {});
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // Appends one record (header.payload_bytes is set from payload).
  void append(RecordHeader header, std::string_view payload);
  // Compresses and writes the pending records as one chunk (no-op when empty).
  void flush();
  // flush(), then the index chunk and trailer; the file is then complete.
  void close();

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  // Bytes in the file so far plus the raw bytes pending.
  [[nodiscard]] std::uint64_t size_bytes() const noexcept { return offset_ + raw_.size(); }
  [[nodiscard]] std::uint64_t chunks() const noexcept { return index_.size(); }

 private:
  void write_all(const void* data, std::size_t len);

  std::filesystem::path path_;
  WriterOptions options_;
  int fd_ = -1;
  void* cctx_ = nullptr;  // ZSTD_CCtx
  std::uint64_t offset_ = 0;
  std::string raw_;
  std::string compressed_;
  std::uint32_t pending_records_ = 0;
  std::int64_t first_rt_ = 0;
  std::int64_t last_rt_ = 0;
  std::vector<IndexEntry> index_;
  bool closed_ = false;
};

}  // namespace wirebook::record
