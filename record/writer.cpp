#include "record/writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <zstd.h>

namespace wirebook::record {

static_assert(std::endian::native == std::endian::little, "the format is little-endian");

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* what, int err) {
  throw std::runtime_error("recording " + path.string() + ": " + what + ": " + std::strerror(err));
}

}  // namespace

RecordWriter::RecordWriter(std::filesystem::path path, WriterOptions options)
    : path_(std::move(path)), options_(options) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd_ < 0) fail(path_, "cannot create", errno);
  cctx_ = ZSTD_createCCtx();
  if (cctx_ == nullptr) {
    ::close(fd_);
    throw std::runtime_error("recording " + path_.string() + ": zstd context");
  }
  auto* c = static_cast<ZSTD_CCtx*>(cctx_);
  (void)ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, options_.zstd_level);
  (void)ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);  // a corrupted chunk is detected
  raw_.reserve(options_.chunk_bytes + 4096);
  FileHeader h{};
  std::memcpy(h.magic, kFileMagic, sizeof h.magic);
  h.version = kFormatVersion;
  write_all(&h, sizeof h);
}

RecordWriter::~RecordWriter() {
  try {
    if (!closed_) close();
  } catch (...) {
    // destructor: the file keeps what was written (a reader sees a torn tail)
  }
  if (fd_ >= 0) ::close(fd_);
  ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(cctx_));
}

void RecordWriter::append(RecordHeader header, std::string_view payload) {
  header.payload_bytes = static_cast<std::uint32_t>(payload.size());
  if (pending_records_ == 0) {
    first_rt_ = header.realtime_ns;
    last_rt_ = header.realtime_ns;
  } else {
    first_rt_ = std::min(first_rt_, header.realtime_ns);
    last_rt_ = std::max(last_rt_, header.realtime_ns);
  }
  const auto* h = reinterpret_cast<const char*>(&header);
  raw_.append(h, sizeof header);
  raw_.append(payload);
  ++pending_records_;
  if (raw_.size() >= options_.chunk_bytes) flush();
}

void RecordWriter::flush() {
  if (pending_records_ == 0) return;
  compressed_.resize(ZSTD_compressBound(raw_.size()));
  const std::size_t n = ZSTD_compress2(static_cast<ZSTD_CCtx*>(cctx_), compressed_.data(),
                                       compressed_.size(), raw_.data(), raw_.size());
  if (ZSTD_isError(n) != 0) {
    throw std::runtime_error("recording " + path_.string() + ": zstd: " + ZSTD_getErrorName(n));
  }
  ChunkHeader h{};
  h.magic = kChunkMagic;
  h.compressed_bytes = static_cast<std::uint32_t>(n);
  h.raw_bytes = static_cast<std::uint32_t>(raw_.size());
  h.record_count = pending_records_;
  h.first_realtime_ns = first_rt_;
  h.last_realtime_ns = last_rt_;
  h.sequence = index_.size();
  h.check = header_check(h);
  index_.push_back(IndexEntry{offset_, first_rt_, last_rt_, h.sequence});
  // Header and frame in one write: a cut leaves at most this chunk torn.
  compressed_.insert(0, reinterpret_cast<const char*>(&h), sizeof h);
  write_all(compressed_.data(), sizeof h + n);
  raw_.clear();
  pending_records_ = 0;
}

void RecordWriter::close() {
  if (closed_) return;
  flush();
  const std::uint64_t index_offset = offset_;
  const std::size_t bytes = index_.size() * sizeof(IndexEntry);
  ChunkHeader h{};
  h.magic = kIndexMagic;
  h.compressed_bytes = static_cast<std::uint32_t>(bytes);
  h.raw_bytes = static_cast<std::uint32_t>(bytes);
  h.record_count = static_cast<std::uint32_t>(index_.size());
  h.sequence = index_.size();
  h.check = header_check(h);
  write_all(&h, sizeof h);
  if (bytes > 0) write_all(index_.data(), bytes);
  Trailer t{};
  t.index_offset = index_offset;
  std::memcpy(t.magic, kTrailerMagic, sizeof t.magic);
  write_all(&t, sizeof t);
  closed_ = true;
}

void RecordWriter::write_all(const void* data, std::size_t len) {
  const auto* p = static_cast<const char*>(data);
  std::size_t done = 0;
  for (int attempts = 0; done < len && attempts < 1000; ++attempts) {
    const ssize_t w = ::write(fd_, p + done, len - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail(path_, "write failed", errno);
    }
    done += static_cast<std::size_t>(w);
  }
  if (done < len) fail(path_, "write made no progress", EIO);
  offset_ += len;
}

}  // namespace wirebook::record
