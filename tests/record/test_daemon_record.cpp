// wirebookd with [record] against `wirebook sim` (loopback): the recording
// holds the venue's inputs and sent frames, closes cleanly on SIGTERM, and a
// kill -9 leaves a file readable up to the cut.
#include <signal.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "record/reader.hpp"
#include "tests/common/process.hpp"

namespace {

using namespace wirebook::testproc;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using wirebook::record::ReadStatus;
using wirebook::record::RecordKind;
using wirebook::record::RecordReader;
using wirebook::record::RecordView;

struct Sim {
  Child child;
  std::string url;
  explicit Sim(const TempDir& tmp)
      : child({env_or_fail("WIREBOOK"), "sim", "--venue", "woo", "--rate", "100", "--ws-port",
               "woo=0", "--wss-port", "woo=-1"},
              tmp.file("sim.out"), tmp.file("sim.err")) {
    REQUIRE(wait_until([&] { return child.out().find("WIREBOOK_SIM_READY") != std::string::npos; },
                       15s));
    const std::string out = child.out();
    const std::string tag = "WIREBOOK_SIM woo ws://";
    const auto at = out.find(tag);
    REQUIRE(at != std::string::npos);
    const auto begin = at + std::string("WIREBOOK_SIM woo ").size();
    url = out.substr(begin, out.find('\n', at) - begin);
  }
};

std::string config_text(const TempDir& tmp, const std::string& url) {
  return "[daemon]\ninstance = \"t\"\nshm_dir = \"" + tmp.file("shm") +
         "\"\n[record]\ndirectory = \"" + tmp.file("rec") +
         "\"\n[[venue]]\nname = \"woo\"\nkind = \"woo\"\nurl = \"" + url +
         "\"\nsymbols = [\"SPOT_BTC_USDT\", \"PERP_BTC_USDT\"]\ndepth = 10\n"
         "connect_timeout_ms = 1000\napi_key_env = \"WB_TEST_KEY\"\n"
         "api_secret_env = \"WB_TEST_SECRET\"\n";
}

std::vector<fs::path> recordings(const TempDir& tmp) {
  std::vector<fs::path> files;
  const fs::path dir = fs::path(tmp.file("rec")) / "woo";
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
std::size_t frames_recorded(const TempDir& tmp) {
  const auto files = recordings(tmp);
  if (files.size() != 1 || fs::file_size(files[0]) < sizeof(wirebook::record::FileHeader)) return 0;
  const Tally t = tally(files[0]);
  return t.kinds.count(RecordKind::frame_in) != 0 ? t.kinds.at(RecordKind::frame_in) : 0;
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
}
