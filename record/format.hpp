#pragma once
// The recording file format (README "Recordings"): what wirebookd writes per
// venue and `wirebook replay` reads back. Std only; zstd stays in the .cpp files.
//
//   file    = file header, chunk*, [index chunk, trailer]
//   chunk   = chunk header (48 bytes), zstd frame of `compressed_bytes`
//             (content checksum on) that decompresses to `raw_bytes` of records
//   record  = record header (40 bytes), payload of `payload_bytes`
//
// Every chunk is an independent zstd frame, so a reader can start at any chunk
// the index names (seek by time), a torn tail loses only the chunk being
// written, and a corrupted chunk is detected (header check or zstd checksum)
// and reported with its file offset. All integers are little-endian.
#include <cstdint>
#include <string_view>

namespace wirebook::record {

inline constexpr char kFileMagic[8] = {'W', 'B', 'R', 'E', 'C', 'O', 'R', 'D'};
inline constexpr std::uint32_t kFormatVersion = 1;
inline constexpr std::uint32_t kChunkMagic = 0x4B484357;  // "WCHK"
inline constexpr std::uint32_t kIndexMagic = 0x58444957;  // "WIDX"
inline constexpr char kTrailerMagic[8] = {'W', 'B', 'I', 'N', 'D', 'E', 'X', '!'};

// What a record says happened, at the venue's entry points.
enum class RecordKind : std::uint16_t {
  meta = 1,        // payload: "key=value" lines (venue name, kind, config text)
  frame_in = 2,    // a frame the session handed to the feed (times: receive)
  frame_out = 3,   // a frame the feed sent (control traffic)
  open = 4,        // connection open (mono: the handler's now)
  close = 5,       // connection closed
  timer = 6,       // the feed's housekeeping timer fired (mono: its now)
  rest_get = 7,    // a REST GET the feed made (payload: target; status 1 queued, 0 refused)
  rest_reply = 8,  // a REST answer handed to the feed (status, tag, payload: body)
  gap = 9,         // the recorder lost records here (tag: how many)
  idle = 10,       // the segment's housekeeping idle() (mono: its now; may add a HEARTBEAT event)
  // Multi-stream transports (SSE: one HTTP stream per target); tag: the stream.
  stream_open = 11,
  stream_close = 12,
  stream_event = 13,    // payload: StreamEventHead, event type, event id, data (times: receive)
  stream_comment = 14,  // payload: the comment text (mono: receive)
  stream_timer = 15,    // the stream's housekeeping timer (mono: its now)
  // The realtime values the feed read while it was built (before any input;
  // e.g. its books' first status events). Follows every file's meta record.
  feed_built = 16,
  stream_refused = 17,  // the server refused the stream (payload: u32 HTTP status)
};

// The start of a stream_event payload.
struct StreamEventHead {
  std::uint32_t type_bytes;
  std::uint32_t id_bytes;
  std::uint32_t id_in_event;  // 1: the event's own lines set the id
};
static_assert(sizeof(StreamEventHead) == 12);

[[nodiscard]] std::string_view to_string(RecordKind kind) noexcept;

// rest_get / rest_reply records: `connection` is the feed's REST channel
// (numbered from 1 in the order the feed opened them), or 0 with this bit in
// `tag` for a start-up lookup (a blocking GET the feed factory made before
// the venue thread ran). Start-up lookups follow the meta record of every
// file, so each file replays on its own. A transport failure's reply has
// status 0 and the error text as payload.
inline constexpr std::uint64_t kStartupLookup = std::uint64_t{1} << 63U;

struct FileHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t reserved;
};
static_assert(sizeof(FileHeader) == 16);

struct ChunkHeader {
  std::uint32_t magic;  // kChunkMagic, or kIndexMagic for the index chunk
  std::uint32_t compressed_bytes;
  std::uint32_t raw_bytes;
  std::uint32_t record_count;
  std::int64_t first_realtime_ns;  // min and max receive realtime of its records
  std::int64_t last_realtime_ns;
  std::uint64_t sequence;  // chunks numbered from 0 in a file
  std::uint64_t check;     // FNV-1a 64 of the 40 bytes before it
};
static_assert(sizeof(ChunkHeader) == 48);

struct RecordHeader {
  std::uint32_t payload_bytes;
  RecordKind kind;
  // The last clock_reads x 8 bytes of the payload are the realtime values
  // (i64 ns) the feed layer read while handling this input (feeds::ClockTap).
  std::uint16_t clock_reads;
  std::uint32_t connection;  // connection number (opens counted from 1)
  std::int32_t status;       // rest_reply: HTTP status (0: transport failure)
  std::uint64_t tag;         // rest_*: request tag; gap: records lost
  std::int64_t realtime_ns;
  std::int64_t mono_ns;
};
static_assert(sizeof(RecordHeader) == 40);

// One index entry per data chunk (the index chunk's payload, uncompressed).
struct IndexEntry {
  std::uint64_t offset;  // file offset of the chunk header
  std::int64_t first_realtime_ns;
  std::int64_t last_realtime_ns;
  std::uint64_t sequence;
};
static_assert(sizeof(IndexEntry) == 32);

// The last 16 bytes of a cleanly closed file.
struct Trailer {
  std::uint64_t index_offset;
  char magic[8];
};
static_assert(sizeof(Trailer) == 16);

[[nodiscard]] std::uint64_t fnv1a(const void* data, std::size_t len) noexcept;
[[nodiscard]] std::uint64_t header_check(const ChunkHeader& h) noexcept;

}  // namespace wirebook::record
