#pragma once
// `wirebook replay`: drives a venue's recorded inputs (README "Recordings")
// through the same venue code the daemon runs — the venue module's feed,
// its sequencer and books — into a fresh shared-memory instance that every
// reader uses unchanged. The recorded realtime values are handed back to the
// feed layer through a feeds::ClockTap, so the books and the ring's records
// come out byte-identical to the live run's.
//
// A gap record (the recorder lost inputs) closes and reopens the feed's
// connection state: every book leaves LIVE (SYNCING, asking for a snapshot)
// until the recording shows a fresh one. Threading: one thread.
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace wirebook::replay {

struct ReplayOptions {
  std::vector<std::string> files;  // in time order (rotated files of one venue, or several venues)
  std::string venue;               // empty: every venue found
  std::int64_t from_realtime_ns = std::numeric_limits<std::int64_t>::min();
  std::int64_t until_realtime_ns = std::numeric_limits<std::int64_t>::max();
  double speed = 0;  // 0: as fast as possible; N: N x the recorded pace
  std::string instance = "replay";
  std::string shm_dir = "/dev/shm/wirebook";
};

struct ReplayReport {
  std::uint64_t records = 0;
  std::uint64_t frames = 0;
  std::uint64_t gaps = 0;
  std::uint64_t clock_mismatches = 0;  // the feed read the clock more or less often than recorded
  std::uint64_t rest_mismatches = 0;   // REST GETs the feed made differ from the recorded ones
  std::vector<std::string> problems;   // torn or corrupt files (file and offset), in order
  std::vector<std::string> venues;     // replayed, in order
};

// `wirebook replay --bench`: every frame of the files through the venue
// code at maximum speed (the full pipeline: parser, sequencer, books, shm),
// the venue's parser alone over the same frames (parse-only), then a bare
// simdjson On-Demand walk over them that touches every scalar token's raw
// text — the floor any JSON feed handler pays.
struct BenchOptions {
  std::vector<std::string> files;  // recordings, or JSONL (one frame per line)
  std::string venue;               // recordings: which venue; JSONL: the venue in `config`
  std::string config;              // JSONL only: a wirebookd config naming the venue
  std::string shm_dir = "/dev/shm/wirebook";
  int rounds = 3;  // each pass is timed this many times; the fastest counts
  // Non-empty: one more pass of each kind after the timed ones, every frame
  // timed on its own (steady_clock, its ~20 ns cost included), written here
  // as one line per frame: "<pipeline ns> <walk ns>" (the report's CDF).
  std::string latencies_path;
  // The per-frame pass's instance, left in shm_dir for the readers (its books
  // are the stream's final books: `wirebook dump` checks them).
  std::string latencies_instance = "replay";
};

struct BenchReport {
  std::string venue;
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  double pipeline_ns_per_frame = 0;
  double walk_ns_per_frame = 0;
  double parse_ns_per_frame = 0;   // 0: the venue offers no parse-only pass
  std::uint64_t parse_levels = 0;  // price levels the parser read per round
  std::uint64_t parse_failed = 0;  // messages it rejected per round
  std::uint64_t walk_tokens = 0;   // scalar tokens touched per round (a check the walk ran)
  std::uint64_t walk_touch = 0;    // a sum over their first and last characters
};

[[nodiscard]] BenchReport bench(const BenchOptions& options);

// `wirebook sim --replay`: the frames a recording received, for the
// simulator to serve as its capture (times relative to the first frame).
struct RecordedFrame {
  std::int64_t t_ns = 0;
  std::string venue_kind;
  std::string frame;
};
[[nodiscard]] std::vector<RecordedFrame> recorded_frames(const std::vector<std::string>& files);

// Throws std::runtime_error for a file that is no recording, a recording
// without its meta record, a venue kind this build lacks, or a segment that
// cannot be created. A torn or corrupt file is replayed up to the problem,
// which the report names.
[[nodiscard]] ReplayReport replay(const ReplayOptions& options,
                                  const std::function<void(std::string_view)>& log = {});

}  // namespace wirebook::replay
