#include "record/format.hpp"

#include <cstddef>

namespace wirebook::record {

std::string_view to_string(RecordKind kind) noexcept {
  switch (kind) {
    case RecordKind::meta:
      return "meta";
    case RecordKind::frame_in:
      return "frame_in";
    case RecordKind::frame_out:
      return "frame_out";
    case RecordKind::open:
      return "open";
    case RecordKind::close:
      return "close";
    case RecordKind::timer:
      return "timer";
    case RecordKind::rest_get:
      return "rest_get";
    case RecordKind::rest_reply:
      return "rest_reply";
    case RecordKind::gap:
      return "gap";
    case RecordKind::idle:
      return "idle";
    case RecordKind::stream_open:
      return "stream_open";
    case RecordKind::stream_close:
      return "stream_close";
    case RecordKind::stream_event:
      return "stream_event";
    case RecordKind::stream_comment:
      return "stream_comment";
    case RecordKind::stream_timer:
      return "stream_timer";
    case RecordKind::feed_built:
      return "feed_built";
    case RecordKind::stream_refused:
      return "stream_refused";
  }
  return "unknown";
}

std::uint64_t fnv1a(const void* data, std::size_t len) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < len; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t header_check(const ChunkHeader& h) noexcept {
  return fnv1a(&h, offsetof(ChunkHeader, check));
}

}  // namespace wirebook::record
