// The real `wirebook` binary (WIREBOOK_CLI) against segments published by the
// test writer (WIREBOOK_TEST_WRITER): dump, status, tail and positions.
#include <sys/stat.h>

#include <simdjson.h>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <wirebook/reader.hpp>

#include "tests/tools/known_books.hpp"
#include "tests/tools/process_util.hpp"

using namespace wirebook::tools_test;
namespace shm = wirebook::shm;

namespace {

std::vector<std::pair<std::string, std::string>> levels(simdjson::dom::element side) {
  std::vector<std::pair<std::string, std::string>> out;
  for (simdjson::dom::element lv : side.get_array()) {
    simdjson::dom::array pair = lv.get_array();
    REQUIRE(pair.size() == 2);
    out.emplace_back(std::string(std::string_view(pair.at(0))),
                     std::string(std::string_view(pair.at(1))));
  }
  return out;
}

std::string str(simdjson::dom::element e, const char* key) {
  return std::string(std::string_view(e[key]));
}

// A control file that is not what this reader can read, in a fresh directory.
std::string fake_instance(const t::TempDir& tmp, const char* bytes, std::size_t n, mode_t mode) {
  const std::string dir = tmp.root() + "/fake";
  REQUIRE(::mkdir(dir.c_str(), 0750) == 0);
  const std::string file = dir + "/control";
  {
    std::ofstream out(file, std::ios::binary);
    out.write(bytes, static_cast<std::streamsize>(n));
  }
  REQUIRE(::chmod(file.c_str(), mode) == 0);
  return dir;
}

}  // namespace

TEST_CASE("dump --json prints every book exactly as written, one object per line",
          "[tools][dump]") {
  t::TempDir tmp;
  t::ChildGuard children;
  Writer w(tmp.path(), "books", tmp.root());
  const auto r = run_cli({"dump", "--json", "--dir", tmp.path()}, tmp.root());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto lines = lines_of(r.out);
  const auto books = known_books();
  REQUIRE(lines.size() == books.size());
  // One complete line, byte for byte: key order and number formats are the contract.
  CHECK(lines[0] ==
        "{\"venue\":\"alpha\",\"symbol\":\"SPOT_BTC_USDT\",\"status\":\"live\",\"flags\":[],"
        "\"version\":123,\"updates\":1,\"exchange_ts_ns\":1700000000111000000,"
        "\"recv_ts_ns\":1700000000111500000,\"publish_ts_ns\":1700000000111502500,"
        "\"bids\":[[\"56749.15\",\"1.03895025\"],[\"56749\",\"0.5\"],[\"56748.5\",\"0.00000001\"],"
        "[\"56000\",\"1\"]],\"asks\":[[\"56749.2\",\"2\"],[\"56750\",\"0.12345678\"]]}");
  simdjson::dom::parser p;
  for (std::size_t k = 0; k < books.size(); ++k) {
    INFO(lines[k]);
    simdjson::dom::element e = p.parse(lines[k]);
    CHECK(str(e, "venue") == books[k].venue);
    CHECK(str(e, "symbol") == books[k].symbol);
    CHECK(str(e, "status") == "live");
    CHECK(simdjson::dom::array(e["flags"]).size() == 0);
    CHECK(std::uint64_t(e["version"]) == books[k].version);
    CHECK(std::uint64_t(e["updates"]) == 1);
    CHECK(std::int64_t(e["exchange_ts_ns"]) == books[k].ts_exchange_ns);
    CHECK(std::int64_t(e["recv_ts_ns"]) == books[k].ts_recv_ns);
    CHECK(std::int64_t(e["publish_ts_ns"]) == books[k].ts_publish_ns);
    CHECK(levels(e["bids"]) == books[k].bids_text);
    CHECK(levels(e["asks"]) == books[k].asks_text);
  }
}

TEST_CASE("dump filters by venue, symbol and depth; unknown names exit 2", "[tools][dump]") {
  t::TempDir tmp;
  t::ChildGuard children;
  Writer w(tmp.path(), "books", tmp.root());
  auto r = run_cli({"dump", "--json", "--dir", tmp.path(), "--venue", "alpha", "--symbol",
                    "SPOT_BTC_USDT", "--depth", "2"},
                   tmp.root());
  REQUIRE(r.status == 0);
  REQUIRE(lines_of(r.out).size() == 1);
  CHECK(r.out.find("\"bids\":[[\"56749.15\",\"1.03895025\"],[\"56749\",\"0.5\"]],"
                   "\"asks\":[[\"56749.2\",\"2\"],[\"56750\",\"0.12345678\"]]}") !=
        std::string::npos);

  r = run_cli({"dump", "--dir", tmp.path(), "--venue", "beta"}, tmp.root());
  REQUIRE(r.status == 0);
  CHECK(r.out.find("== beta (writer alive)") != std::string::npos);
  CHECK(r.out.find("BTC-PERP  live") != std::string::npos);
  CHECK(r.out.find("56749.1") != std::string::npos);
  CHECK(r.out.find("alpha") == std::string::npos);

  r = run_cli({"dump", "--dir", tmp.path(), "--venue", "gamma"}, tmp.root());
  CHECK(r.status == 2);
  CHECK(r.err.find("no venue 'gamma'") != std::string::npos);
  r = run_cli({"dump", "--dir", tmp.path(), "--symbol", "NOPE"}, tmp.root());
  CHECK(r.status == 2);
}

TEST_CASE("status exits 0 when every book is LIVE and 1 when one is not", "[tools][status]") {
  t::TempDir tmp;
  t::ChildGuard children;
  {
    Writer w(tmp.path(), "books", tmp.root());
    const auto r = run_cli({"status", "--dir", tmp.path()}, tmp.root());
    INFO(r.out << r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find("alpha: writer alive, segment live") != std::string::npos);
    CHECK(r.out.find("books: 2 live, 0 syncing") != std::string::npos);
    CHECK(r.out.find("3 of 3 books live and trusted: OK") != std::string::npos);
    CHECK(r.out.find("generation " + w.field("alpha_generation")) != std::string::npos);

    const auto j = run_cli({"status", "--json", "--dir", tmp.path()}, tmp.root());
    CHECK(j.status == 0);
    const auto lines = lines_of(j.out);
    REQUIRE(lines.size() == 2);
    simdjson::dom::parser p;
    simdjson::dom::element e = p.parse(lines[1]);
    CHECK(str(e, "venue") == "beta");
    CHECK(str(e, "writer") == "alive");
    CHECK(str(e, "generation") == w.field("beta_generation"));
    CHECK(std::uint64_t(e["books"]["live"]) == 1);
    CHECK(std::uint64_t(e["updates"]) == 1);
    CHECK(simdjson::dom::array(e["not_live"]).size() == 0);
    CHECK(w.stop(SIGTERM) == 0);
  }
  {
    Writer w(tmp.path(), "notlive", tmp.root());
    const auto r = run_cli({"status", "--dir", tmp.path()}, tmp.root());
    INFO(r.out << r.err);
    CHECK(r.status == 1);
    CHECK(r.out.find("not live: BTC-PERP (resyncing)") != std::string::npos);
    CHECK(r.out.find("2 of 3 books live and trusted: NOT OK") != std::string::npos);
    // A book that is not LIVE is flagged in the dump too.
    const auto d = run_cli({"dump", "--json", "--dir", tmp.path(), "--venue", "beta"}, tmp.root());
    CHECK(d.out.find("\"status\":\"resyncing\"") != std::string::npos);
  }
}

TEST_CASE("status and dump give their own exit codes when no daemon is running",
          "[tools][status]") {
  t::TempDir tmp;
  t::ChildGuard children;
  auto r = run_cli({"status", "--dir", tmp.path()}, tmp.root());
  CHECK(r.status == 3);
  CHECK(r.err.find("no wirebook instance at " + tmp.path()) != std::string::npos);
  r = run_cli({"dump", "--dir", tmp.path()}, tmp.root());
  CHECK(r.status == 3);
  r = run_cli({"tail", "--dir", tmp.path()}, tmp.root());
  CHECK(r.status == 3);

  SECTION("stopped gracefully") {
    Writer w(tmp.path(), "books", tmp.root());
    REQUIRE(w.stop(SIGTERM) == 0);
    r = run_cli({"status", "--dir", tmp.path()}, tmp.root());
    CHECK(r.status == 3);
    CHECK(r.err.find("wirebookd is not running") != std::string::npos);
    CHECK(r.out.find("writer closed") != std::string::npos);
  }
  SECTION("killed") {
    Writer w(tmp.path(), "books", tmp.root());
    REQUIRE(w.stop(SIGKILL) == 128 + SIGKILL);
    r = run_cli({"status", "--dir", tmp.path()}, tmp.root());
    CHECK(r.status == 3);
    CHECK(r.out.find("alpha: writer dead") != std::string::npos);
  }
}

TEST_CASE("an incompatible segment and unsafe permissions have clear messages and exit codes",
          "[tools][status]") {
  t::TempDir tmp;
  SECTION("layout major from another version") {
    char header[512] = {};
    std::memcpy(header, "WIREBOOK", 8);
    header[8] = 99;  // layout_major
    const std::string dir = fake_instance(tmp, header, sizeof header, 0640);
    for (const char* cmd : {"status", "dump", "tail", "top", "positions"}) {
      const auto r = run_cli({cmd, "--dir", dir}, tmp.root());
      CHECK(r.status == 4);
      CHECK(r.err.find("incompatible layout major version") != std::string::npos);
      CHECK(r.err.find("incompatible wirebook version") != std::string::npos);
    }
  }
  SECTION("not a wirebook segment") {
    const std::string junk(600, 'x');
    const std::string dir = fake_instance(tmp, junk.data(), junk.size(), 0640);
    const auto r = run_cli({"status", "--dir", dir}, tmp.root());
    CHECK(r.status == 4);
    CHECK(r.err.find("bad magic") != std::string::npos);
  }
  SECTION("a segment writable by its group") {
    const std::string dir = fake_instance(tmp, "x", 1, 0660);
    const auto r = run_cli({"status", "--dir", dir}, tmp.root());
    CHECK(r.status == 5);
    CHECK(r.err.find("permission denied reading " + dir + "/control") != std::string::npos);
  }
}

TEST_CASE("tail from an overwritten sequence reports the lap and the exact number lost",
          "[tools][tail]") {
  t::TempDir tmp;
  t::ChildGuard children;
  Writer w(tmp.path(), "lap", tmp.root());
  REQUIRE(w.field("alpha_head") == "1000");  // 1000 events through a ring of 64
  auto r = run_cli(
      {"tail", "--dir", tmp.path(), "--venue", "alpha", "--from", "1", "--no-follow", "--json"},
      tmp.root());
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  // Events 1..999 are gone: the cursor resumes at the head, event 1000.
  CHECK(lines[0] == "{\"venue\":\"alpha\",\"lapped\":true,\"lost\":999,\"next_seq\":1000}");
  CHECK(lines[1] ==
        "{\"venue\":\"alpha\",\"seq\":1000,\"type\":\"level\",\"instrument\":0,"
        "\"symbol\":\"SPOT_BTC_USDT\",\"side\":\"bid\",\"px\":\"56759.15\",\"qty\":\"0.00001\","
        "\"exchange_ts_ns\":0,\"recv_ts_ns\":1000}");
  CHECK(r.err.find("1 events, 1 laps (999 events lost), 0 resets") != std::string::npos);

  // Events still in the ring are all delivered, in order, without a lap.
  r = run_cli({"tail", "--dir", tmp.path(), "--venue", "alpha", "--from", "990", "--no-follow"},
              tmp.root());
  REQUIRE(r.status == 0);
  lines = lines_of(r.out);
  REQUIRE(lines.size() == 11);
  CHECK(lines[0] == "alpha 990 level SPOT_BTC_USDT bid 56759.05 x 0.0000099 exch=0 recv=990");
  CHECK(lines[1] == "alpha 991 level SPOT_BTC_USDT ask 56759.06 x 0.00000991 exch=0 recv=991");
  CHECK(lines[10].rfind("alpha 1000 level", 0) == 0);
  CHECK(r.err.find("11 events, 0 laps (0 events lost)") != std::string::npos);
}

TEST_CASE("tail without --from starts at the head and follows new events", "[tools][tail]") {
  t::TempDir tmp;
  t::ChildGuard children;
  Writer w(tmp.path(), "stream", tmp.root());
  shm::VenueReader reader;
  REQUIRE(shm::VenueReader::open(tmp.path(), "alpha", reader) == shm::OpenError::ok);
  REQUIRE(t::wait_until([&] { return reader.ring_head() >= 200; }, 60 * t::kSecond));
  const std::uint64_t head_before = reader.ring_head();
  const auto r = run_cli(
      {"tail", "--dir", tmp.path(), "--venue", "alpha", "--count", "5", "--json"}, tmp.root());
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 5);
  simdjson::dom::parser p;
  std::uint64_t prev = 0;
  for (const auto& l : lines) {
    simdjson::dom::element e = p.parse(l);
    const std::uint64_t seq = e["seq"];
    CHECK(seq > head_before);
    if (prev != 0) CHECK(seq == prev + 1);
    prev = seq;
    // The writer's event k carries px 5674915 + k at px_exp -2.
    char px[32];
    std::snprintf(px, sizeof px, "%llu.%02llu", (5674915ULL + seq) / 100, (5674915ULL + seq) % 100);
    std::string want = px;
    while (want.back() == '0') want.pop_back();
    if (want.back() == '.') want.pop_back();
    CHECK(str(e, "px") == want);
  }
}

TEST_CASE("the README's C++ example prints the best bid and ask", "[tools][example]") {
  t::TempDir tmp;
  t::ChildGuard children;
  const std::string example = env_or_fail("WIREBOOK_EXAMPLE_BBO");
  const std::string out = tmp.root() + "/example.out";
  const std::string err = tmp.root() + "/example.err";
  CHECK(t::wait_child(spawn({example, tmp.path(), "alpha", "SPOT_BTC_USDT"}, out, err),
                      60 * t::kSecond) == 1);  // no segment yet
  Writer w(tmp.path(), "notlive", tmp.root());
  CHECK(t::wait_child(spawn({example, tmp.path(), "alpha", "SPOT_BTC_USDT"}, out, err),
                      60 * t::kSecond) == 0);
  CHECK(read_file(out) == "bid 5674915 ask 5674920 (x 10^-2)\n");
  // A book that is not LIVE is not printed.
  CHECK(t::wait_child(spawn({example, tmp.path(), "beta", "BTC-PERP"}, out, err),
                      60 * t::kSecond) == 2);
}

TEST_CASE("tail follows a restarted writer (reset) and stops cleanly on SIGINT", "[tools][tail]") {
  t::TempDir tmp;
  t::ChildGuard children;
  auto w1 = std::make_unique<Writer>(tmp.path(), "books", tmp.root());
  const std::string out = tmp.root() + "/tail.out";
  const std::string err = tmp.root() + "/tail.err";
  const pid_t tail = spawn(
      {env_or_fail("WIREBOOK_CLI"), "tail", "--dir", tmp.path(), "--venue", "alpha", "--json"}, out,
      err);
  // tail is attached once the segment shows in its memory maps (no sleeping).
  const std::string maps = "/proc/" + std::to_string(tail) + "/maps";
  REQUIRE(t::wait_until([&] { return read_file(maps).find("venue-alpha") != std::string::npos; },
                        60 * t::kSecond));
  REQUIRE(w1->stop(SIGKILL) == 128 + SIGKILL);
  Writer w2(tmp.path(), "stream", tmp.root());
  const std::string want = "\"reset\":true,\"generation\":\"" + w2.field("alpha_generation") + "\"";
  REQUIRE(t::wait_until([&] { return read_file(out).find(want) != std::string::npos; },
                        60 * t::kSecond));
  // Events of the new writer follow the reset line.
  REQUIRE(
      t::wait_until([&] { return read_file(out).find("\"type\":\"level\"") != std::string::npos; },
                    60 * t::kSecond));
  ::kill(tail, SIGINT);
  CHECK(t::wait_child(tail, 60 * t::kSecond) == 0);
  CHECK(read_file(err).find("1 resets") != std::string::npos);
}

TEST_CASE("dump shows a book's reference data exactly; books without it show none",
          "[tools][dump][reference]") {
  t::TempDir tmp;
  t::ChildGuard children;
  Writer w(tmp.path(), "reference", tmp.root());
  const KnownReference k = known_reference();
  auto r = run_cli({"dump", "--json", "--dir", tmp.path(), "--venue", "alpha"}, tmp.root());
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  // Only book 0 has reference data; it is the last member of its line.
  const std::string member = std::string(",") + k.json_member + "}";
  REQUIRE(lines[0].size() > member.size());
  CHECK(lines[0].substr(lines[0].size() - member.size()) == member);
  CHECK(lines[1].find("reference") == std::string::npos);
  simdjson::dom::parser p;
  simdjson::dom::element e = p.parse(lines[0]);  // valid JSON
  CHECK(str(e["reference"], "mark_price") == "56749.5");

  r = run_cli({"dump", "--dir", tmp.path(), "--venue", "alpha", "--symbol", "SPOT_BTC_USDT"},
              tmp.root());
  REQUIRE(r.status == 0);
  CHECK(r.out.find(std::string("\n  ") + k.text_line + "\n") != std::string::npos);

  // tail prints the REFERENCE events: the mark of each publication.
  r = run_cli(
      {"tail", "--dir", tmp.path(), "--venue", "alpha", "--from", "1", "--no-follow", "--json"},
      tmp.root());
  INFO(r.out << r.err);
  CHECK(r.out.find("\"type\":\"reference\",\"instrument\":0,\"symbol\":\"SPOT_BTC_USDT\","
                   "\"mark_price\":\"56749.4\",\"updates\":1") != std::string::npos);
  CHECK(r.out.find("\"mark_price\":\"56749.5\",\"index_price\":\"56750.25\",\"updates\":2") !=
        std::string::npos);
}

TEST_CASE("positions prints one line per position with exact decimals, unknown fields marked",
          "[tools][positions]") {
  t::TempDir tmp;
  t::ChildGuard children;
  Writer w(tmp.path(), "positions", tmp.root());
  const auto known = known_positions();
  auto r = run_cli({"positions", "--dir", tmp.path()}, tmp.root());
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  REQUIRE(lines_of(r.out) == std::vector<std::string>{known[0].text_line, known[1].text_line});

  r = run_cli({"positions", "--json", "--dir", tmp.path()}, tmp.root());
  REQUIRE(r.status == 0);
  REQUIRE(lines_of(r.out) == std::vector<std::string>{known[0].json_line, known[1].json_line});
  simdjson::dom::parser p;
  simdjson::dom::element e = p.parse(lines_of(r.out)[1]);  // valid JSON, null where unknown
  CHECK(e["pnl"].is_null());
  CHECK(str(e, "quantity") == "-3");

  r = run_cli({"positions", "--dir", tmp.path(), "--instrument", "ETH-USD-SWAP-LIN"}, tmp.root());
  CHECK(r.status == 0);
  CHECK(lines_of(r.out) == std::vector<std::string>{known[1].text_line});
  r = run_cli({"positions", "--dir", tmp.path(), "--venue", "beta"}, tmp.root());
  CHECK(r.status == 0);  // a venue without positions prints nothing
  CHECK(r.out.empty());
  r = run_cli({"positions", "--dir", tmp.path(), "--instrument", "NOPE"}, tmp.root());
  CHECK(r.status == 2);
  CHECK(r.err.find("no position in the selected instruments") != std::string::npos);
  r = run_cli({"positions", "--dir", tmp.path(), "--venue", "gamma"}, tmp.root());
  CHECK(r.status == 2);
  CHECK(r.err.find("no venue 'gamma'") != std::string::npos);
}

TEST_CASE("tail names a POSITION event by the instrument of its position slot",
          "[tools][tail][positions]") {
  t::TempDir tmp;
  t::ChildGuard children;
  Writer w(tmp.path(), "positions", tmp.root());
  const auto r = run_cli(
      {"tail", "--dir", tmp.path(), "--venue", "alpha", "--from", "1", "--no-follow"}, tmp.root());
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(lines_of(r.out) ==
        std::vector<std::string>{
            "alpha 1 position BTC-USD-SWAP-LIN quantity 1 entry_price 43210.5 updates=1 "
            "exch=1700000000444000000 recv=1700000000444500000",
            "alpha 2 position BTC-USD-SWAP-LIN quantity 0.5 entry_price 43210.5 updates=2 "
            "exch=1700000000444000000 recv=1700000000444500000",
            "alpha 3 position ETH-USD-SWAP-LIN quantity -3 entry_price 3000.1234 updates=1 "
            "exch=1700000000555000000 recv=1700000000555000100"});
}
