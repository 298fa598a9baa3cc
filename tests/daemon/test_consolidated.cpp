// The consolidated BBO end to end (issue 21): wirebookd with three venues
// (WOO, Pulse, O2) against `wirebook sim`, one [[consolidated]] name over one
// symbol of each. The simulator drops Pulse deltas and serves Pulse slowly,
// so Pulse goes RESYNCING again and again for tens of milliseconds. A reader
// checks continuously that the best bid and ask come only from trusted members
// and are the best of them, that Pulse is never the best while its line is not
// LIVE, and that a member's line never stays LIVE while its book slot in the
// venue segment is not (the venue thread writes both, back to back). At the end
// every line equals its venue slot, `wirebook consolidated --json` shows the
// same, and after SIGTERM no member is trusted. On the way, `wirebook status`
// shows every venue's feed latency (issue 21).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <wirebook/consolidated_reader.hpp>
#include <wirebook/reader.hpp>

#include "tests/common/process.hpp"

namespace {

using namespace wirebook::testproc;
using namespace std::chrono_literals;
namespace shm = wirebook::shm;

struct Member {
  std::string venue;
  std::string symbol;
};
const std::vector<Member> kMembers = {
    {"woo", "PERP_BTC_USDT"}, {"pulse", "BTC_USD-PERPETUAL"}, {"o2", "BTC-USD"}};
constexpr std::uint32_t kPulse = 1;  // index of Pulse in kMembers

std::string seed_text() {
  return std::getenv("WIREBOOK_SEED") != nullptr ? std::getenv("WIREBOOK_SEED") : "21";
}

struct Sim {
  Child child;
  std::map<std::string, std::string> urls;
  Sim(const TempDir& tmp, const std::string& seed)
      : child(argv(seed), tmp.file("sim.out"), tmp.file("sim.err")) {
    REQUIRE(wait_until([&] { return child.out().find("WIREBOOK_SIM_READY") != std::string::npos; },
                       30s));
    urls = sim_urls(child.out());
  }
  static std::vector<std::string> argv(const std::string& seed) {
    std::vector<std::string> a = {
        env_or_fail("WIREBOOK"), "sim",     "--seed",       seed,      "--rate",    "50", "--fault",
        "pulse:drop=0.05",       "--fault", "pulse:slow=1", "--fault", "slow_ms=10"};
    for (const auto& m : kMembers)
      a.insert(a.end(), {"--venue", m.venue, "--wss-port", m.venue + "=-1"});
    return a;
  }
};

std::string config_text(const TempDir& tmp, const Sim& sim) {
  std::string out =
      "[daemon]\ninstance = \"c\"\nshm_dir = \"" + tmp.file("shm") + "\"\nstats_interval_s = 1\n";
  for (const auto& m : kMembers) {
    out += "[[venue]]\nname = \"" + m.venue + "\"\nkind = \"" + m.venue + "\"\nurl = \"" +
           sim.urls.at(m.venue) + "\"\nsymbols = [\"" + m.symbol + "\"]\ndepth = 10\n" +
           "connect_timeout_ms = 2000\nstale_ms = 10000\nreference = true\n";
    if (m.venue == "o2") out += "rest_url = \"" + rest_base(sim.urls.at("o2")) + "\"\n";
  }
  out += "[[consolidated]]\nname = \"BTC\"\nmembers = [";
  for (std::size_t k = 0; k < kMembers.size(); ++k)
    out += (k == 0 ? "\"" : ", \"") + kMembers[k].venue + ":" + kMembers[k].symbol + "\"";
  return out + "]\n";
}

// What the watcher saw while the market ran.
struct Watch {
  std::uint64_t reads = 0;
  std::uint64_t pulse_not_live = 0;  // reads with Pulse's line not LIVE
  std::uint64_t pulse_episodes = 0;  // LIVE -> not LIVE transitions of Pulse's line
  std::uint64_t all_trusted = 0;     // reads with every member trusted
  std::vector<std::string> violations;
};

// The best of `b` is trusted and no trusted member beats it.
void check_best(const shm::ConsolidatedBbo& b, Watch& w) {
  for (std::uint32_t k = 0; k < b.members; ++k) {
    const shm::MemberTop& m = b.member[k];
    if (b.best_bid == k && !m.trusted())
      w.violations.push_back("best bid from an untrusted member");
    if (b.best_ask == k && !m.trusted())
      w.violations.push_back("best ask from an untrusted member");
    if (!m.trusted()) continue;
    if (m.bid_count > 0 && (!b.has_bid() || shm::detail::better(m, m.bid, b.member[b.best_bid],
                                                                b.member[b.best_bid].bid, true)))
      w.violations.push_back("a trusted member's bid beats the best bid");
    if (m.ask_count > 0 && (!b.has_ask() || shm::detail::better(m, m.ask, b.member[b.best_ask],
                                                                b.member[b.best_ask].ask, false)))
      w.violations.push_back("a trusted member's ask beats the best ask");
  }
}

// Pulse's slot says not LIVE: its line must say so too, unless the slot moved
// on meanwhile. The venue thread writes the line right after the slot, so the
// line may lag by a few instructions; a second of grace covers a preempted
// thread on a loaded machine.
void check_line_follows_slot(const shm::ConsolidatedReader& r, const shm::VenueReader& pulse,
                             Watch& w) {
  shm::BookView v;
  shm::Level bids[1];
  shm::Level asks[1];
  if (pulse.read_book(0, v, bids, asks, 1) != shm::ReadResult::ok ||
      v.top.status == shm::Status::live)
    return;
  const auto until = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::steady_clock::now() < until) {
    shm::MemberTop line;
    if (r.read_member(0, kPulse, line) == shm::ReadResult::ok && line.status != shm::Status::live)
      return;
    shm::BookView again;
    if (pulse.read_book(0, again, bids, asks, 1) == shm::ReadResult::ok &&
        again.update_count != v.update_count)
      return;
    std::this_thread::sleep_for(1ms);
  }
  w.violations.push_back("Pulse's line stayed LIVE for 1 s while its slot was not");
}

void watch(shm::ConsolidatedReader& r, shm::VenueReader& pulse, std::chrono::seconds budget,
           Watch& w) {
  bool pulse_was_live = false;
  auto next_refresh = std::chrono::steady_clock::now();
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (std::chrono::steady_clock::now() < deadline &&
         (w.pulse_episodes < 3 || w.all_trusted < 100) && w.violations.empty()) {
    if (std::chrono::steady_clock::now() >= next_refresh) {
      (void)r.refresh();
      (void)pulse.refresh();
      next_refresh += 50ms;
    }
    shm::ConsolidatedBbo b;
    if (r.read(0, b) != shm::ReadResult::ok) continue;
    ++w.reads;
    check_best(b, w);
    const shm::MemberTop& p = b.member[kPulse];
    if (p.status != shm::Status::live) {
      ++w.pulse_not_live;
      if (pulse_was_live) ++w.pulse_episodes;
      if (b.best_bid == kPulse || b.best_ask == kPulse)
        w.violations.push_back("Pulse is the best while its line is not LIVE");
    }
    pulse_was_live = p.status == shm::Status::live;
    bool all = true;
    for (std::uint32_t k = 0; k < b.members; ++k) all = all && b.member[k].trusted();
    if (all) ++w.all_trusted;
    check_line_follows_slot(r, pulse, w);
    std::this_thread::sleep_for(200us);
  }
}

// Each line equals its venue's slot (status, best levels, exponents), read
// while neither moved; retried while the market runs.
bool lines_equal_slots(const std::string& dir, std::string& why) {
  shm::ConsolidatedReader r;
  if (shm::ConsolidatedReader::open(dir, r) != shm::OpenError::ok) return false;
  for (std::uint32_t k = 0; k < kMembers.size(); ++k) {
    shm::VenueReader v;
    if (shm::VenueReader::open(dir, kMembers[k].venue, v) != shm::OpenError::ok) return false;
    shm::Bbo before;
    shm::Bbo after;
    shm::MemberTop line;
    if (v.read_bbo(0, before) != shm::ReadResult::ok ||
        r.read_member(0, k, line) != shm::ReadResult::ok ||
        v.read_bbo(0, after) != shm::ReadResult::ok || before.version != after.version ||
        before.status != after.status)
      return false;
    const bool same = line.status == before.status && line.bid.px == before.bid.px &&
                      line.bid.qty == before.bid.qty && line.ask.px == before.ask.px &&
                      line.ask.qty == before.ask.qty && line.px_exp == before.px_exp &&
                      line.qty_exp == before.qty_exp &&
                      // The slot counts the levels it holds (up to depth), the line the book's.
                      (line.bid_count > 0) == (before.bid_count > 0) &&
                      (line.ask_count > 0) == (before.ask_count > 0) &&
                      line.bid_count >= before.bid_count && line.ask_count >= before.ask_count;
    if (!same) {
      why = kMembers[k].venue + ": line " + shm::to_string(line.status) + " bid " +
            std::to_string(line.bid.px) + " x" + std::to_string(line.bid_count) + ", slot " +
            shm::to_string(before.status) + " bid " + std::to_string(before.bid.px) + " x" +
            std::to_string(before.bid_count);
      return false;
    }
  }
  return true;
}

// The number after "key": at or after `from` in a JSON text (NaN when absent).
double number_after(const std::string& text, std::size_t from, const std::string& key) {
  const auto at = text.find("\"" + key + "\":", from);
  if (at == std::string::npos) return std::numeric_limits<double>::quiet_NaN();
  return std::strtod(text.c_str() + at + key.size() + 3, nullptr);
}

}  // namespace

TEST_CASE(
    "consolidated BBO: three venues, Pulse resyncing is never the best, lines equal slots; "
    "reference data reaches shared memory",
    "[daemon][consolidated]") {
  const std::string seed = seed_text();
  INFO("seed " << seed << " (WIREBOOK_SEED replays it)");
  TempDir tmp;
  Sim sim(tmp, seed);
  const std::string cfg = tmp.write("c.toml", config_text(tmp, sim));
  Child daemon({env_or_fail("WIREBOOKD"), "--config", cfg}, tmp.file("d.out"), tmp.file("d.err"));
  const std::string dir = tmp.file("shm") + "/c";

  shm::ConsolidatedReader reader;
  shm::VenueReader pulse;
  const bool opened = wait_until(
      [&] {
        return shm::ConsolidatedReader::open(dir, reader) == shm::OpenError::ok &&
               shm::VenueReader::open(dir, "pulse", pulse) == shm::OpenError::ok;
      },
      30s);
  INFO("wirebookd stderr:\n" << daemon.err());
  REQUIRE(opened);
  Watch w;
  watch(reader, pulse, 90s, w);
  INFO("reads " << w.reads << ", Pulse not LIVE in " << w.pulse_not_live << " reads, "
                << w.pulse_episodes << " episodes; all trusted in " << w.all_trusted << " reads");
  for (const auto& v : w.violations) FAIL_CHECK(v);
  CHECK(w.pulse_episodes >= 3);
  CHECK(w.all_trusted >= 100);

  std::string why;
  const bool equal = wait_until([&] { return lines_equal_slots(dir, why); }, 20s);
  INFO("last difference: " << why);
  CHECK(equal);

  // Feed latency (venue timestamp -> receive): the simulator stamps frames with
  // its wall clock in ms, on this host, so every venue's p50 is small.
  const bool feed_latency = wait_until(
      [&] {
        const auto st =
            run({env_or_fail("WIREBOOK"), "status", "--json", "--dir", dir}, tmp.path());
        std::size_t venues = 0;
        for (std::size_t at = 0; (at = st.out.find("\"feed_latency\":{", at)) != std::string::npos;
             ++at) {
          const double samples = number_after(st.out, at, "samples");
          const double p50 = number_after(st.out, at, "p50_ns");
          const double p99 = number_after(st.out, at, "p99_ns");
          if (samples > 0 && p50 > 0 && p50 <= p99 && p99 < 5e9) ++venues;
        }
        return venues == kMembers.size();
      },
      20s);
  CHECK(feed_latency);

  // Reference data (`reference = true` on every venue) reached shared memory
  // through the daemon's config and venue threads: the fields each venue's
  // channels carry (exact values: tests/<venue>/test_<venue>_reference.cpp).
  const std::map<std::string, std::vector<std::string>> carried = {
      {"woo", {"mark_price", "funding_rate", "open_interest"}},
      {"pulse", {"index_price", "funding_rate"}},
      {"o2", {"mark_price", "funding_rate"}}};
  std::string dumped;
  const bool reference = wait_until(
      [&] {
        dumped = run({env_or_fail("WIREBOOK"), "dump", "--json", "--depth", "1", "--dir", dir},
                     tmp.path())
                     .out;
        for (const auto& [venue, fields] : carried) {
          const auto at = dumped.find("{\"venue\":\"" + venue + "\"");
          if (at == std::string::npos) return false;
          const std::string line = dumped.substr(at, dumped.find('\n', at) - at);
          const auto ref = line.find("\"reference\":{");
          if (ref == std::string::npos) return false;
          for (const auto& f : fields) {
            if (line.find("\"" + f + "\":\"", ref) == std::string::npos) return false;
          }
        }
        return true;
      },
      30s);
  INFO("dump --json:\n" << dumped);
  CHECK(reference);

  const auto json =
      run({env_or_fail("WIREBOOK"), "consolidated", "--json", "--dir", dir}, tmp.path());
  REQUIRE(json.status == 0);
  CHECK(json.out.rfind("{\"name\":\"BTC\",\"best_bid\":", 0) == 0);
  for (const auto& m : kMembers)
    CHECK(json.out.find("{\"venue\":\"" + m.venue + "\",\"symbol\":\"" + m.symbol +
                        "\",\"status\":") != std::string::npos);

  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(10s) == 0);
  shm::ConsolidatedReader r;
  REQUIRE(shm::ConsolidatedReader::open(dir, r) == shm::OpenError::ok);
  CHECK(r.liveness() == shm::Liveness::closed);
  shm::ConsolidatedBbo b;
  REQUIRE(r.read(0, b) == shm::ReadResult::ok);
  CHECK(!b.has_bid());
  CHECK(!b.has_ask());
  for (std::uint32_t k = 0; k < b.members; ++k)
    CHECK(b.member[k].status == shm::Status::disconnected);
  const auto after = run({env_or_fail("WIREBOOK"), "consolidated", "--dir", dir}, tmp.path());
  CHECK(after.status == 0);
  CHECK(after.out.rfind("BTC  bid -  ask -", 0) == 0);
}
