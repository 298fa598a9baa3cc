#include "record/reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <zstd.h>

namespace wirebook::record {

namespace {

constexpr std::uint32_t kMaxChunkBytes = 1U << 30U;  // a larger size is a corrupt header

}  // namespace

RecordReader::RecordReader(std::filesystem::path path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    throw std::runtime_error("recording " + path_.string() +
                             ": cannot open: " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    ::close(fd_);
    throw std::runtime_error("recording " + path_.string() + ": cannot stat");
  }
  file_bytes_ = static_cast<std::uint64_t>(st.st_size);
  FileHeader h{};
  if (!read_at(0, &h, sizeof h) || std::memcmp(h.magic, kFileMagic, sizeof h.magic) != 0 ||
      h.version != kFormatVersion) {
    ::close(fd_);
    throw std::runtime_error("recording " + path_.string() +
                             ": not a wirebook recording (format version 1)");
  }
  dctx_ = ZSTD_createDCtx();
  if (!read_index_from_trailer()) scan_chunks();
}

RecordReader::~RecordReader() {
  if (fd_ >= 0) ::close(fd_);
  ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(dctx_));
}

bool RecordReader::read_at(std::uint64_t offset, void* data, std::size_t len) const {
  if (offset + len > file_bytes_) return false;
  auto* p = static_cast<char*>(data);
  std::size_t done = 0;
  for (int attempts = 0; done < len && attempts < 1000; ++attempts) {
    const ssize_t r = ::pread(fd_, p + done, len - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<std::size_t>(r);
  }
  return done == len;
}

// A cleanly closed file: trailer -> index chunk -> entries, each checked;
// anything inconsistent falls back to walking the chunk headers.
bool RecordReader::read_index_from_trailer() {
  Trailer t{};
  if (file_bytes_ < sizeof(FileHeader) + sizeof(ChunkHeader) + sizeof t) return false;
  if (!read_at(file_bytes_ - sizeof t, &t, sizeof t)) return false;
  if (std::memcmp(t.magic, kTrailerMagic, sizeof t.magic) != 0) return false;
  ChunkHeader h{};
  if (!read_at(t.index_offset, &h, sizeof h) || h.magic != kIndexMagic ||
      h.check != header_check(h) || h.raw_bytes != h.record_count * sizeof(IndexEntry) ||
      t.index_offset + sizeof h + h.raw_bytes + sizeof t != file_bytes_) {
    return false;
  }
  std::vector<IndexEntry> entries(h.record_count);
  if (h.raw_bytes > 0 && !read_at(t.index_offset + sizeof h, entries.data(), h.raw_bytes)) {
    return false;
  }
  std::uint64_t previous = 0;
  for (const IndexEntry& e : entries) {
    if (e.offset < sizeof(FileHeader) || e.offset >= t.index_offset || e.offset < previous) {
      return false;
    }
    previous = e.offset + 1;
  }
  chunks_ = std::move(entries);
  indexed_ = true;
  return true;
}

// Walks chunk headers from the file header on; stops at the end, the index
// chunk, or the first header that is torn or fails its check.
void RecordReader::scan_chunks() {
  std::uint64_t offset = sizeof(FileHeader);
  for (std::uint64_t guard = 0; guard < file_bytes_ && offset < file_bytes_; ++guard) {
    ChunkHeader h{};
    if (!read_at(offset, &h, sizeof h)) {
      tail_status_ = ReadStatus::torn;
      tail_why_ = "chunk header cut short";
      break;
    }
    if (h.check != header_check(h) || (h.magic != kChunkMagic && h.magic != kIndexMagic) ||
        h.compressed_bytes > kMaxChunkBytes || h.raw_bytes > kMaxChunkBytes) {
      tail_status_ = ReadStatus::corrupt;
      tail_why_ = "chunk header fails its check";
      break;
    }
    if (h.magic == kIndexMagic) break;  // an index without a valid trailer: data ends here
    if (offset + sizeof h + h.compressed_bytes > file_bytes_) {
      tail_status_ = ReadStatus::torn;
      tail_why_ = "chunk cut short (" + std::to_string(file_bytes_ - offset - sizeof h) + " of " +
                  std::to_string(h.compressed_bytes) + " bytes)";
      break;
    }
    chunks_.push_back(IndexEntry{offset, h.first_realtime_ns, h.last_realtime_ns, h.sequence});
    offset += sizeof h + h.compressed_bytes;
  }
  tail_offset_ = offset;
}

void RecordReader::seek(std::int64_t from_realtime_ns) noexcept {
  next_chunk_ = chunks_.size();
  for (std::size_t i = 0; i < chunks_.size(); ++i) {
    if (chunks_[i].last_realtime_ns >= from_realtime_ns) {
      next_chunk_ = i;
      break;
    }
  }
  raw_.clear();
  raw_pos_ = 0;
  final_ = ReadStatus::ok;
  message_.clear();
}

ReadStatus RecordReader::stop(ReadStatus status, std::uint64_t offset, std::string_view why) {
  final_ = status;
  const char* what =
      status == ReadStatus::torn ? "recording ends in a torn chunk" : "corrupted chunk";
  message_ = path_.string() + ": " + what + " at offset " + std::to_string(offset) + " (" +
             std::string(why) + "); records before it were read";
  return status;
}

ReadStatus RecordReader::load_chunk(std::size_t i) {
  const std::uint64_t offset = chunks_[i].offset;
  ChunkHeader h{};
  if (!read_at(offset, &h, sizeof h)) return stop(ReadStatus::torn, offset, "header cut short");
  if (h.magic != kChunkMagic || h.check != header_check(h) || h.compressed_bytes > kMaxChunkBytes ||
      h.raw_bytes > kMaxChunkBytes) {
    return stop(ReadStatus::corrupt, offset, "chunk header fails its check");
  }
  compressed_.resize(h.compressed_bytes);
  if (!read_at(offset + sizeof h, compressed_.data(), h.compressed_bytes)) {
    return stop(ReadStatus::torn, offset, "chunk cut short");
  }
  raw_.resize(h.raw_bytes);
  const std::size_t n = ZSTD_decompressDCtx(static_cast<ZSTD_DCtx*>(dctx_), raw_.data(),
                                            raw_.size(), compressed_.data(), compressed_.size());
  if (ZSTD_isError(n) != 0) return stop(ReadStatus::corrupt, offset, ZSTD_getErrorName(n));
  if (n != h.raw_bytes) return stop(ReadStatus::corrupt, offset, "decompressed size differs");
  raw_pos_ = 0;
  return ReadStatus::ok;
}

ReadStatus RecordReader::next(RecordView& out) {
  if (final_ != ReadStatus::ok) return final_;
  while (raw_pos_ >= raw_.size()) {  // each turn loads the next chunk or returns
    if (next_chunk_ >= chunks_.size()) {
      if (tail_status_ == ReadStatus::end) {
        final_ = ReadStatus::end;
        return final_;
      }
      return stop(tail_status_, tail_offset_, tail_why_);
    }
    const ReadStatus s = load_chunk(next_chunk_++);
    if (s != ReadStatus::ok) return s;
  }
  if (raw_.size() - raw_pos_ < sizeof(RecordHeader)) {
    return stop(ReadStatus::corrupt, chunks_[next_chunk_ - 1].offset, "record header cut short");
  }
  std::memcpy(&out.header, raw_.data() + raw_pos_, sizeof out.header);
  raw_pos_ += sizeof out.header;
  if (raw_.size() - raw_pos_ < out.header.payload_bytes) {
    return stop(ReadStatus::corrupt, chunks_[next_chunk_ - 1].offset, "record payload cut short");
  }
  out.payload = std::string_view(raw_.data() + raw_pos_, out.header.payload_bytes);
  raw_pos_ += out.header.payload_bytes;
  return ReadStatus::ok;
}

}  // namespace wirebook::record
