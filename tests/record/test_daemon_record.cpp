// wirebookd with [record] against `wirebook sim` (loopback): the recording
// holds the venue's inputs and sent frames, closes cleanly on SIGTERM, and a
// kill -9 leaves a file readable up to the cut.
#include <signal.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <wirebook/reader.hpp>

#include "record/reader.hpp"
#include "record/writer.hpp"
#include "tests/common/process.hpp"

namespace {

using namespace wirebook::testproc;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using wirebook::record::ReadStatus;
using wirebook::record::RecordKind;
using wirebook::record::RecordReader;
using wirebook::record::RecordView;

namespace shm = wirebook::shm;

std::vector<std::string> sim_argv(const std::string& venue, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {env_or_fail("WIREBOOK"),
                                   "sim",
                                   "--venue",
                                   venue,
                                   "--ws-port",
                                   venue + "=0",
                                   "--wss-port",
                                   venue + "=-1"};
  if (std::find(extra.begin(), extra.end(), "--rate") == extra.end()) {
    argv.insert(argv.end(), {"--rate", "100"});
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

struct Sim {
  Child child;
  std::string url;
  explicit Sim(const TempDir& tmp, const std::vector<std::string>& extra = {},
               const std::string& venue = "woo")
      : child(sim_argv(venue, extra), tmp.file("sim.out"), tmp.file("sim.err")) {
    REQUIRE(wait_until([&] { return child.out().find("WIREBOOK_SIM_READY") != std::string::npos; },
                       15s));
    const std::string out = child.out();
    const std::string tag = "WIREBOOK_SIM " + venue + " ";  // the one plain endpoint
    const auto at = out.find(tag);
    REQUIRE(at != std::string::npos);
    const auto begin = at + tag.size();
    url = out.substr(begin, out.find('\n', at) - begin);
  }
};

// A recording daemon with one venue named after its kind; `symbols` as TOML.
std::string venue_config(const TempDir& tmp, const std::string& kind, const std::string& url,
                         const std::string& symbols) {
  return "[daemon]\ninstance = \"t\"\nring_capacity = 1048576\nshm_dir = \"" + tmp.file("shm") +
         "\"\n[record]\ndirectory = \"" + tmp.file("rec") + "\"\n[[venue]]\nname = \"" + kind +
         "\"\nkind = \"" + kind + "\"\nurl = \"" + url + "\"\nsymbols = " + symbols +
         "\ndepth = 10\nconnect_timeout_ms = 1000\n";
}

std::string config_text(const TempDir& tmp, const std::string& url) {
  return venue_config(tmp, "woo", url, "[\"SPOT_BTC_USDT\", \"PERP_BTC_USDT\"]") +
         "api_key_env = \"WB_TEST_KEY\"\n"
         "api_secret_env = \"WB_TEST_SECRET\"\n";
}

std::vector<fs::path> recordings(const TempDir& tmp, const std::string& venue = "woo") {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(tmp.file("rec")) / venue;
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  return files;
}

struct Tally {
  std::map<RecordKind, std::size_t> kinds;
  std::string meta;
  ReadStatus status = ReadStatus::ok;
  std::string message;
  std::size_t clock_reads = 0;
};

Tally tally(const fs::path& file) {
  Tally t;
  RecordReader r(file);
  RecordView v;
  for (int guard = 0; guard < 10'000'000; ++guard) {
    t.status = r.next(v);
    if (t.status != ReadStatus::ok) break;
    ++t.kinds[v.header.kind];
    t.clock_reads += v.header.clock_reads;
    if (v.header.kind == RecordKind::meta) t.meta = std::string(v.payload);
  }
  t.message = r.message();
  return t;
}

// Frames received so far in the one recording file (0 while there is none).
std::size_t count(const Tally& t, RecordKind kind) {
  return t.kinds.count(kind) != 0 ? t.kinds.at(kind) : 0;
}

// Messages received so far in the one recording file (0 while there is none).
std::size_t frames_recorded(const TempDir& tmp, const std::string& venue = "woo") {
  const auto files = recordings(tmp, venue);
  if (files.size() != 1 || fs::file_size(files[0]) < sizeof(wirebook::record::FileHeader)) return 0;
  const Tally t = tally(files[0]);
  return count(t, RecordKind::frame_in) + count(t, RecordKind::stream_event);
}

}  // namespace

TEST_CASE("wirebookd records the venue's inputs and sent frames; SIGTERM closes the file",
          "[record][daemon]") {
  TempDir tmp;
  Sim sim(tmp);
  const std::string cfg = tmp.write("d.toml", config_text(tmp, sim.url));
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"),
               {"WB_TEST_KEY=key-abc", "WB_TEST_SECRET=secret-xyz"});
  INFO("wirebookd stderr:\n" << daemon.err());
  // Frames reach the file within the writer's flush period (200 ms).
  REQUIRE(wait_until([&] { return frames_recorded(tmp) > 100; }, 30s));
  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(5000ms) == 0);

  const auto files = recordings(tmp);
  REQUIRE(files.size() == 1);
  CHECK(files[0].filename().string().rfind("woo-", 0) == 0);
  CHECK(files[0].extension() == ".wbrec");
  RecordReader r(files[0]);
  CHECK(r.closed_cleanly());
  const Tally t = tally(files[0]);
  INFO(t.message);
  CHECK(t.status == ReadStatus::end);
  CHECK(t.kinds.at(RecordKind::meta) == 1);
  CHECK(t.kinds.at(RecordKind::open) >= 1);
  CHECK(t.kinds.at(RecordKind::frame_out) >= 1);  // the subscriptions
  CHECK(t.kinds.at(RecordKind::frame_in) > 100);
  CHECK(t.kinds.at(RecordKind::timer) >= 1);
  CHECK(t.kinds.count(RecordKind::gap) == 0);
  CHECK(t.clock_reads > 0);  // status and publish timestamps
  CHECK(t.meta.rfind("venue=woo\nkind=woo\nconfig=\n", 0) == 0);
  CHECK(t.meta.find("[record]") != std::string::npos);
  // Credential references are redacted; the secrets themselves never appear.
  CHECK(t.meta.find("WB_TEST_KEY") == std::string::npos);
  CHECK(t.meta.find("api_key_env = \"REDACTED\"") != std::string::npos);
  const std::string bytes = read_file(files[0].string());
  CHECK(bytes.find("secret-xyz") == std::string::npos);
}

TEST_CASE("a recording cut by kill -9 is read up to the cut", "[record][daemon]") {
  TempDir tmp;
  Sim sim(tmp);
  const std::string cfg = tmp.write("d.toml", config_text(tmp, sim.url));
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"),
               {"WB_TEST_KEY=key-abc", "WB_TEST_SECRET=secret-xyz"});
  INFO("wirebookd stderr:\n" << daemon.err());
  // Frames reach the file within the writer's flush period (200 ms).
  REQUIRE(wait_until([&] { return frames_recorded(tmp) > 100; }, 30s));
  daemon.signal(SIGKILL);
  (void)daemon.wait(5000ms);
  const auto files = recordings(tmp);
  REQUIRE(files.size() == 1);
  RecordReader r(files[0]);
  CHECK_FALSE(r.closed_cleanly());
  const Tally t = tally(files[0]);
  INFO(t.message);
  // Cut between chunks (end) or inside one (torn, named with its offset).
  CHECK((t.status == ReadStatus::end || t.status == ReadStatus::torn));
  if (t.status == ReadStatus::torn) CHECK(t.message.find("offset") != std::string::npos);
  CHECK(t.kinds.at(RecordKind::frame_in) > 100);
  // Replay goes up to the cut and says where the file ends when it is torn.
  const auto replayed = run({env_or_fail("WIREBOOK"), "replay", files[0].string(), "--instance",
                             "k", "--dir", tmp.file("shm2")},
                            tmp.path());
  INFO("replay:\n" << replayed.out << replayed.err);
  CHECK(replayed.out.find(std::to_string(t.kinds.at(RecordKind::frame_in)) + " frames") !=
        std::string::npos);
  if (t.status == ReadStatus::torn) {
    CHECK(replayed.status == 3);
    CHECK(replayed.err.find(files[0].string() + ": recording ends in a torn chunk at offset") !=
          std::string::npos);
  } else {
    CHECK(replayed.status == 0);
  }
}

TEST_CASE("wirebook sim --replay serves a recording's received frames as a venue",
          "[record][daemon]") {
  TempDir tmp;
  std::vector<fs::path> files;
  {
    Sim sim(tmp);
    const std::string cfg = tmp.write("d.toml", config_text(tmp, sim.url));
    Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"),
                 {"WB_TEST_KEY=key-abc", "WB_TEST_SECRET=secret-xyz"});
    REQUIRE(wait_until([&] { return frames_recorded(tmp) > 100; }, 30s));
    daemon.signal(SIGTERM);
    REQUIRE(daemon.wait(5000ms) == 0);
    files = recordings(tmp);
  }
  REQUIRE(files.size() == 1);
  Child served({env_or_fail("WIREBOOK"), "sim", "--replay", files[0].string(), "--ws-port", "woo=0",
                "--wss-port", "woo=-1", "--capture-speed", "0"},
               tmp.file("replay-sim.out"), tmp.file("replay-sim.err"));
  INFO("sim --replay:\n" << served.out() << served.err());
  REQUIRE(wait_until([&] { return served.out().find("WIREBOOK_SIM_READY") != std::string::npos; },
                     15s));
  CHECK(served.out().find("WIREBOOK_SIM woo ws://") != std::string::npos);
  served.signal(SIGTERM);
  CHECK(served.wait(5000ms) == 0);

  const auto missing =
      run({env_or_fail("WIREBOOK"), "sim", "--replay", tmp.file("none.wbrec")}, tmp.path());
  CHECK(missing.status != 0);
  CHECK(missing.err.find("none.wbrec") != std::string::npos);
}

namespace {

std::vector<shm::Event> ring_events(const std::string& dir, const std::string& venue,
                                    std::uint64_t& lost) {
  shm::VenueReader r;
  REQUIRE(shm::VenueReader::open(dir, venue, r) == shm::OpenError::ok);
  std::vector<shm::Event> events;
  shm::RingCursor c = r.cursor_from(1);
  shm::Event ev;
  lost = 0;
  for (std::uint64_t guard = 0; guard < (1U << 22U); ++guard) {
    std::uint64_t l = 0;
    const auto p = r.poll(c, ev, l);
    lost += l;
    if (p == shm::PollResult::nothing) break;
    if (p == shm::PollResult::event) events.push_back(ev);
  }
  return events;
}

std::vector<shm::Level> book_levels(const std::string& dir, const std::string& venue,
                                    std::uint32_t i) {
  shm::VenueReader r;
  REQUIRE(shm::VenueReader::open(dir, venue, r) == shm::OpenError::ok);
  std::vector<shm::Level> bids(1000);
  std::vector<shm::Level> asks(1000);
  shm::BookView v;
  REQUIRE(r.read_book(i, v, bids.data(), asks.data(), 1000) == shm::ReadResult::ok);
  bids.resize(v.bids);
  asks.resize(v.asks);
  bids.insert(bids.end(), asks.begin(), asks.end());
  bids.push_back(shm::Level{static_cast<std::int64_t>(v.bids), v.ts_recv_ns});
  return bids;
}

}  // namespace

// Copies `from` into `to` with a gap record (5 lost) in place of the 5
// received frames starting at the frame numbered `at`; returns the gap's time.
std::int64_t copy_with_gap(const fs::path& from, const fs::path& to, std::size_t at) {
  RecordReader r(from);
  wirebook::record::RecordWriter w(to);
  RecordView v;
  std::size_t frame = 0;
  std::size_t skipped = 0;
  std::int64_t gap_rt = 0;
  for (int guard = 0; guard < 10'000'000 && r.next(v) == ReadStatus::ok; ++guard) {
    if (v.header.kind == RecordKind::frame_in && frame++ >= at && skipped < 5) {
      if (skipped++ == 0) {
        wirebook::record::RecordHeader gap{};
        gap.kind = RecordKind::gap;
        gap.tag = 5;
        gap.realtime_ns = gap_rt = v.header.realtime_ns;
        gap.mono_ns = v.header.mono_ns;
        w.append(gap, {});
      }
      continue;
    }
    w.append(v.header, v.payload);
  }
  w.close();
  return gap_rt;
}

std::size_t live_books(const std::string& dir) {
  shm::VenueReader r;
  REQUIRE(shm::VenueReader::open(dir, "woo", r) == shm::OpenError::ok);
  std::size_t n = 0;
  for (std::uint32_t i = 0; i < r.instrument_count(); ++i) {
    shm::Bbo b;
    if (r.read_bbo(i, b) == shm::ReadResult::ok && b.status == shm::Status::live) ++n;
  }
  return n;
}

namespace {

std::string seed_text() {
  return std::getenv("WIREBOOK_SEED") != nullptr ? std::getenv("WIREBOOK_SEED") : "7";
}

// Faults that make books resync (drops, reorders) and the connection drop.
std::vector<std::string> fault_args(const std::string& seed) {
  return {"--seed",    seed,      "--rate",       "200",     "--fault",
          "drop=0.01", "--fault", "reorder=0.01", "--fault", "tcp_close=0.002"};
}

// wirebookd with `config` records a session of `venue` until it has opened
// `opens` connections (or SSE streams) and received `frames` frames, then
// stops on SIGTERM. Returns the one recording.
fs::path record_session(const TempDir& tmp, const std::string& venue, const std::string& config,
                        std::size_t frames, std::size_t opens_wanted = 2) {
  const std::string cfg = tmp.write("d.toml", config);
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"),
               {"WB_TEST_KEY=key-abc", "WB_TEST_SECRET=secret-xyz"});
  INFO("wirebookd stderr:\n" << daemon.err());
  const auto opens = [&] {
    const auto files = recordings(tmp, venue);
    if (files.size() != 1 || fs::file_size(files[0]) < sizeof(wirebook::record::FileHeader)) {
      return std::size_t{0};  // not created yet, or its header not written yet
    }
    const Tally t = tally(files[0]);
    return count(t, RecordKind::open) + count(t, RecordKind::stream_open);
  };
  REQUIRE(wait_until(
      [&] { return opens() >= opens_wanted && frames_recorded(tmp, venue) > frames; }, 90s));
  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(5000ms) == 0);
  const auto files = recordings(tmp, venue);
  REQUIRE(files.size() == 1);
  return files[0];
}

// `wirebook replay` of `file` into shm2/r comes out as the live instance did:
// every ring record byte for byte (the live ring ends with what the daemon's
// stop wrote: every book DISCONNECTED) and both books.
void check_replay_identical(const TempDir& tmp, const fs::path& file, const std::string& venue) {
  const auto replayed = run({env_or_fail("WIREBOOK"), "replay", file.string(), "--instance", "r",
                             "--dir", tmp.file("shm2")},
                            tmp.path());
  INFO("replay out:\n" << replayed.out << "\nreplay err:\n" << replayed.err);
  REQUIRE(replayed.status == 0);
  CHECK(replayed.err.find("different number of times") == std::string::npos);
  CHECK(replayed.err.find("REST requests differ") == std::string::npos);

  const std::string live_dir = tmp.file("shm") + "/t";
  const std::string replay_dir = tmp.file("shm2") + "/r";
  std::uint64_t live_lost = 0;
  std::uint64_t replay_lost = 0;
  const auto live = ring_events(live_dir, venue, live_lost);
  const auto again = ring_events(replay_dir, venue, replay_lost);
  CHECK(live_lost == 0);
  CHECK(replay_lost == 0);
  REQUIRE(again.size() > 1000);
  // The live ring ends with what the daemon's stop wrote (every book
  // DISCONNECTED); everything before it is the replay's, byte for byte.
  REQUIRE(live.size() >= again.size());
  std::size_t differing = 0;
  std::size_t first_difference = again.size();
  for (std::size_t i = 0; i < again.size(); ++i) {
    if (std::memcmp(&live[i], &again[i], sizeof(shm::Event)) != 0) {
      ++differing;
      first_difference = std::min(first_difference, i);
    }
  }
  INFO("first differing ring record: " << first_difference);
  CHECK(differing == 0);
  for (std::size_t i = again.size(); i < live.size(); ++i) {
    INFO("live-only ring record " << i);
    CHECK(live[i].type == shm::EventType::status);
    CHECK(live[i].aux0 == static_cast<std::int64_t>(shm::Status::disconnected));
  }
  CHECK(live.size() - again.size() <= 2);  // one per book
  for (std::uint32_t i = 0; i < 2; ++i) {
    const auto a = book_levels(live_dir, venue, i);
    const auto b = book_levels(replay_dir, venue, i);
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(shm::Level)) == 0);
  }
}

}  // namespace

TEST_CASE("a recorded session with faults replays to byte-identical books and ring records",
          "[record][daemon][replay]") {
  const std::string seed = seed_text();
  INFO("WIREBOOK_SEED=" << seed);
  TempDir tmp;
  Sim sim(tmp, fault_args(seed));
  const std::string cfg = tmp.file("d.toml");
  const fs::path file = record_session(tmp, "woo", config_text(tmp, sim.url), 1500);
  const std::vector<fs::path> files = {file};
  check_replay_identical(tmp, file, "woo");
  // Books LIVE just before a gap leave LIVE at the gap (the recorder lost
  // inputs). Faults make books resync now and then: the gap goes where both
  // were LIVE just before it.
  const std::size_t frames = tally(files[0]).kinds.at(RecordKind::frame_in);
  bool checked_gap = false;
  for (std::size_t back = 20; back < frames && back <= 1000 && !checked_gap; back += 60) {
    const std::string n = std::to_string(back);
    const fs::path gapped = fs::path(tmp.file("gapped" + n + ".wbrec"));
    const std::int64_t gap_rt = copy_with_gap(files[0], gapped, frames - back);
    const auto before =
        run({env_or_fail("WIREBOOK"), "replay", gapped.string(), "--instance", "b" + n, "--dir",
             tmp.file("shm3"), "--until", std::to_string(gap_rt - 1)},
            tmp.path());
    REQUIRE(before.status == 0);
    if (live_books(tmp.file("shm3") + "/b" + n) != 2) continue;
    const auto at_gap = run({env_or_fail("WIREBOOK"), "replay", gapped.string(), "--instance",
                             "g" + n, "--dir", tmp.file("shm3"), "--until", std::to_string(gap_rt)},
                            tmp.path());
    INFO("replay to the gap:\n" << at_gap.out << at_gap.err);
    REQUIRE(at_gap.status == 0);
    CHECK(at_gap.out.find(", 1 gaps)") != std::string::npos);
    CHECK(live_books(tmp.file("shm3") + "/g" + n) == 0);
    checked_gap = true;
  }
  CHECK(checked_gap);

  // A corrupted chunk: an error naming the file and offset; the chunks before it replay.
  RecordReader index(files[0]);
  REQUIRE(index.chunks().size() >= 2);
  const std::uint64_t bad = index.chunks()[1].offset;
  const fs::path corrupt = fs::path(tmp.file("corrupt.wbrec"));
  fs::copy_file(files[0], corrupt);
  {
    std::FILE* f = std::fopen(corrupt.c_str(), "r+b");
    REQUIRE(f != nullptr);
    REQUIRE(std::fseek(f, static_cast<long>(bad + sizeof(wirebook::record::ChunkHeader) + 7),
                       SEEK_SET) == 0);
    const int c = std::fgetc(f);
    REQUIRE(std::fseek(f, -1, SEEK_CUR) == 0);
    std::fputc(c ^ 0x5A, f);
    std::fclose(f);
  }
  const auto broken = run({env_or_fail("WIREBOOK"), "replay", corrupt.string(), "--instance", "c",
                           "--dir", tmp.file("shm4")},
                          tmp.path());
  INFO("corrupt replay:\n" << broken.out << broken.err);
  CHECK(broken.status == 3);
  CHECK(broken.err.find(corrupt.string() + ": corrupted chunk at offset " + std::to_string(bad)) !=
        std::string::npos);
  CHECK(broken.out.find("replayed 0 records") == std::string::npos);
  // --bench over the recording, and over the same frames as JSONL.
  const auto bench = run({env_or_fail("WIREBOOK"), "replay", "--bench", files[0].string(),
                          "--rounds", "1", "--dir", tmp.file("shm5")},
                         tmp.path());
  INFO("bench:\n" << bench.out << bench.err);
  REQUIRE(bench.status == 0);
  const std::string frames_text = std::to_string(tally(files[0]).kinds.at(RecordKind::frame_in));
  CHECK(bench.out.find("venue woo: " + frames_text + " frames") != std::string::npos);
  CHECK(bench.out.find("wirebook pipeline") != std::string::npos);
  CHECK(bench.out.find("bare simdjson walk") != std::string::npos);
  {
    RecordReader r(files[0]);
    RecordView v;
    std::string jsonl;
    for (int guard = 0; guard < 10'000'000 && r.next(v) == ReadStatus::ok; ++guard) {
      if (v.header.kind != RecordKind::frame_in) continue;
      jsonl += std::string(v.payload.substr(0, v.payload.size() - 8U * v.header.clock_reads));
      jsonl += '\n';
    }
    const std::string lines = tmp.write("frames.jsonl", jsonl);
    const auto jb = run({env_or_fail("WIREBOOK"), "replay", "--bench", lines, "--config", cfg,
                         "--venue", "woo", "--rounds", "1", "--dir", tmp.file("shm5")},
                        tmp.path());
    INFO("jsonl bench:\n" << jb.out << jb.err);
    REQUIRE(jb.status == 0);
    CHECK(jb.out.find("venue woo: " + frames_text + " frames") != std::string::npos);
    // --latencies: one "<pipeline ns> <walk ns>" line per frame (the bench
    // report's CDF), and the per-frame pass's books left for the readers.
    const std::string lat = tmp.file("lat.txt");
    const auto lb =
        run({env_or_fail("WIREBOOK"), "replay", "--bench", lines, "--config", cfg, "--venue", "woo",
             "--rounds", "1", "--dir", tmp.file("shm6"), "--instance", "lat", "--latencies", lat},
            tmp.path());
    INFO("latencies bench:\n" << lb.out << lb.err);
    REQUIRE(lb.status == 0);
    std::ifstream times(lat);
    std::size_t timed = 0;
    long long pipeline_ns = 0;
    long long walk_ns = 0;
    for (; times >> pipeline_ns >> walk_ns; ++timed) {
      CHECK(pipeline_ns > 0);
      CHECK(walk_ns > 0);
    }
    CHECK(std::to_string(timed) == frames_text);
    const auto dump =
        run({env_or_fail("WIREBOOK"), "dump", "--json", "--dir", tmp.file("shm6") + "/lat"},
            tmp.path());
    INFO("dump:\n" << dump.out << dump.err);
    CHECK(dump.out.find("\"symbol\":\"SPOT_BTC_USDT\"") != std::string::npos);
  }
}

TEST_CASE("a WOO v3 session (books from REST snapshots) replays byte-identical without the network",
          "[record][daemon][replay]") {
  const std::string seed = seed_text();
  INFO("WIREBOOK_SEED=" << seed);
  TempDir tmp;
  std::vector<std::string> args = fault_args(seed);
  args.insert(args.end(), {"--set", "woo.protocol=v3", "--set", "woo.rest_lag=0.3"});
  fs::path file;
  {
    Sim sim(tmp, args);
    file = record_session(tmp, "woo", config_text(tmp, sim.url) + "protocol = \"v3\"\n", 800);
  }  // the simulator is gone: replay must take every REST answer from the recording
  const Tally t = tally(file);
  REQUIRE(t.kinds.count(RecordKind::rest_get) == 1);
  REQUIRE(t.kinds.count(RecordKind::rest_reply) == 1);
  CHECK(t.kinds.at(RecordKind::rest_get) >= 2);  // a snapshot per book, again after each reconnect
  CHECK(t.kinds.at(RecordKind::rest_reply) >= 2);
  check_replay_identical(tmp, file, "woo");
}

TEST_CASE(
    "an O2 session (market ids looked up at start, REST book checks) replays without the "
    "network",
    "[record][daemon][replay]") {
  const std::string seed = seed_text();
  INFO("WIREBOOK_SEED=" << seed);
  TempDir tmp;
  fs::path file;
  {
    // Unsequenced frames: the feed cross-checks its books over REST.
    std::vector<std::string> args = fault_args(seed);
    args.insert(args.end(), {"--set", "o2.unsequenced=true"});
    Sim sim(tmp, args, "o2");
    const std::string rest = sim.url.substr(0, sim.url.find('/', std::string("ws://").size()));
    const std::string config = venue_config(tmp, "o2", sim.url, "[\"BTC-USD\", \"ETH-USD\"]") +
                               "rest_url = \"http" + rest.substr(2) +
                               "\"\nrest_check_interval_s = 1\n";
    file = record_session(tmp, "o2", config, 800);
  }  // the simulator is gone: replay must take every REST answer from the recording
  // The start-up market lookup follows the meta record.
  RecordReader r(file);
  RecordView v;
  REQUIRE(r.next(v) == ReadStatus::ok);
  REQUIRE(v.header.kind == RecordKind::meta);
  REQUIRE(r.next(v) == ReadStatus::ok);
  CHECK(v.header.kind == RecordKind::rest_get);
  CHECK(v.payload == "/api/v1/markets");
  CHECK((v.header.tag & wirebook::record::kStartupLookup) != 0);
  REQUIRE(r.next(v) == ReadStatus::ok);
  CHECK(v.header.kind == RecordKind::rest_reply);
  CHECK(v.header.status == 200);
  const Tally t = tally(file);
  REQUIRE(t.kinds.count(RecordKind::rest_get) == 1);
  CHECK(t.kinds.at(RecordKind::rest_get) >= 2);  // the lookup and at least one REST book check
  check_replay_identical(tmp, file, "o2");
}

TEST_CASE(
    "an OCX session (SSE streams per market, markets checked at start) replays without the "
    "network",
    "[record][daemon][replay]") {
  const std::string seed = seed_text();
  INFO("WIREBOOK_SEED=" << seed);
  TempDir tmp;
  fs::path file;
  {
    Sim sim(tmp, fault_args(seed), "ocx");
    const std::string config = venue_config(tmp, "ocx", sim.url, "[\"BTC-PERP\", \"ETH-PERP\"]");
    // Two streams open at start; a third open is a stream reconnecting.
    file = record_session(tmp, "ocx", config, 800, 3);
  }  // the simulator is gone: replay must take the market list from the recording
  const Tally t = tally(file);
  CHECK(count(t, RecordKind::frame_in) == 0);  // every message arrived on a stream
  CHECK(count(t, RecordKind::stream_event) > 800);
  CHECK(count(t, RecordKind::stream_close) >= 1);
  RecordReader r(file);
  RecordView v;
  REQUIRE(r.next(v) == ReadStatus::ok);
  REQUIRE(r.next(v) == ReadStatus::ok);
  CHECK(v.header.kind == RecordKind::rest_get);
  CHECK(v.payload == "/perps/markets");
  check_replay_identical(tmp, file, "ocx");
}

TEST_CASE("wirebookd exits 2 naming the [record] directory it cannot create", "[record][daemon]") {
  TempDir tmp;
  const std::string cfg = tmp.write(
      "d.toml", "[daemon]\ninstance = \"t\"\nshm_dir = \"" + tmp.file("shm") +
                    "\"\n[record]\ndirectory = \"/proc/wirebook-no-such-dir\"\n[[venue]]\n"
                    "name = \"woo\"\nkind = \"woo\"\nurl = \"ws://127.0.0.1:9/ws/stream\"\n"
                    "symbols = [\"SPOT_BTC_USDT\"]\ndepth = 10\n");
  const auto r = run({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.path());
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find("/proc/wirebook-no-such-dir") != std::string::npos);
}
