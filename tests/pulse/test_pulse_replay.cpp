// Seeded replay: a generated Pulse book.<instr>.raw stream with injected faults
// (drop, duplicate, reorder, corrupt JSON) through the real feed logic into a
// real shared-memory segment, checked continuously by a reader: no book is ever
// LIVE with levels the venue never had, every break is detected exactly once,
// and every book ends LIVE and equal to the truth.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>

#include <wirebook/reader.hpp>

#include "book/decimal.hpp"
#include "book/l2_book.hpp"
#include "feeds/pulse/pulse_feed.hpp"
#include "pulse_test_util.hpp"
#include "shm/writer.hpp"

using namespace wirebook;
using book::Level;
using book::Side;
using feeds::BookStatus;

namespace {

constexpr std::uint32_t kDepth = 20;

std::string dec(std::int64_t v, int exp) {
  char buf[book::kMaxDecimalText];
  return {buf, book::format_decimal(v, exp, buf, sizeof buf)};
}

template <class L>
std::uint64_t hash_levels(const L* b, std::size_t nb, const L* a, std::size_t na) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::int64_t v) { h = (h ^ static_cast<std::uint64_t>(v)) * 1099511628211ULL; };
  for (std::size_t k = 0; k < nb; ++k) {
    mix(b[k].px);
    mix(b[k].qty);
  }
  mix(-1);
  for (std::size_t k = 0; k < na; ++k) {
    mix(a[k].px);
    mix(a[k].qty);
  }
  return h;
}

struct Instr {
  std::string name;
  book::L2Book truth{100000};
  std::int64_t last_change = 0;
  std::int64_t mid = 300'000;  // 30000.0 at px_exp -1
  std::set<std::uint64_t> states;
  std::uint64_t top_hash() const {
    Level b[kDepth];
    Level a[kDepth];
    const auto nb = truth.copy_top(Side::bid, b, kDepth);
    const auto na = truth.copy_top(Side::ask, a, kDepth);
    return hash_levels(b, nb, a, na);
  }
};

}  // namespace

TEST_CASE("a faulty Pulse stream ends LIVE and equal to the truth, never LIVE while broken",
          "[pulse][replay]") {
  const char* env_seed = std::getenv("WIREBOOK_SEED");
  const std::uint64_t seed =
      env_seed ? std::strtoull(env_seed, nullptr, 10) : std::random_device{}();
  INFO("seed " << seed << " (rerun with WIREBOOK_SEED=" << seed << ")");
  std::mt19937_64 rng(seed);

  const std::string dir = "/dev/shm/wirebook-test-pulse-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  shm::SegmentOptions so;
  so.dir = dir;
  shm::VenueConfig vc;
  vc.name = "pulse";
  vc.depth = kDepth;
  std::vector<Instr> ins(3);
  ins[0].name = "BTC-PERPETUAL";
  ins[1].name = "ETH-PERPETUAL";
  ins[2].name = "SOL_USDC-PERPETUAL";
  std::vector<feeds::InstrumentSpec> specs;
  for (auto& in : ins) {
    vc.symbols.push_back(in.name);
    specs.push_back({in.name, -1, -1});
    for (std::int64_t k = 0; k < 80; ++k) {
      (void)in.truth.set_level(Side::bid, in.mid - 1 - k, 10 + k);
      (void)in.truth.set_level(Side::ask, in.mid + 1 + k, 20 + k);
    }
    in.states.insert(in.top_hash());
  }
  std::unique_ptr<shm::VenueWriter> writer;
  REQUIRE(shm::VenueWriter::create(so, vc, writer).ok());
  shm::VenueReader reader;
  REQUIRE(shm::VenueReader::open(dir, "pulse", reader) == shm::OpenError::ok);

  pulse_test::RecordingOutbox out;
  pulse_test::Frames frames;
  feeds::VenueBooks books(specs, 4000, 16, writer.get());
  feeds::pulse::PulseFeed feed(books, out, feeds::pulse::PulseOptions{});
  std::int64_t mono = 1'000'000'000;
  std::int64_t change_id = 6'786'952'192;
  feed.on_connected(mono);

  std::uint64_t live_checks = 0;
  auto deliver = [&](const std::string& text) {
    std::size_t len = 0;
    std::size_t cap = 0;
    const char* d = frames.add(text, len, cap);
    mono += 1'000'000;
    (void)feed.on_frame(d, len, cap, 1'700'000'000'000'000'000 + mono, mono);
    shm::Level b[kDepth];
    shm::Level a[kDepth];
    for (std::uint32_t i = 0; i < ins.size(); ++i) {
      shm::BookView view;
      if (reader.read_book(i, view, b, a, kDepth) != shm::ReadResult::ok) continue;
      if (view.top.status != shm::Status::live) continue;
      ++live_checks;
      const bool known = ins[i].states.count(hash_levels(b, view.bids, a, view.asks)) != 0;
      if (!known) {
        INFO(ins[i].name << " is LIVE with a book the venue never had");
        REQUIRE(known);
      }
    }
  };
  auto head = [](const std::string& name) {
    return R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.)" + name +
           R"(.raw","data":{"timestamp":1700000000000,)";
  };
  auto snapshot = [&](std::size_t i) {
    Instr& in = ins[i];
    std::string s = head(in.name) + R"("type":"snapshot","change_id":)" +
                    std::to_string(in.last_change) + R"(,"instrument_name":")" + in.name + R"(")";
    std::vector<Level> lv(in.truth.level_count(Side::bid) + in.truth.level_count(Side::ask) + 1);
    for (const Side side : {Side::bid, Side::ask}) {
      s += side == Side::bid ? R"(,"bids":[)" : R"(,"asks":[)";
      const auto n = in.truth.copy_top(side, lv.data(), lv.size());
      for (std::size_t k = 0; k < n; ++k) {
        s += std::string(k ? "," : "") + R"(["new",)" + dec(lv[k].px, -1) + "," +
             dec(lv[k].qty, -1) + "]";
      }
      s += "]";
    }
    return s + (rng() % 2 ? R"(,"prev_change_id":0}}})" : "}}}");
  };
  auto change = [&](std::size_t i) {
    Instr& in = ins[i];
    std::geometric_distribution<std::int64_t> dist(0.3);
    std::string bids;
    std::string asks;
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < n; ++k) {
      const bool bid = (rng() & 1U) != 0;
      const Side side = bid ? Side::bid : Side::ask;
      const std::int64_t px = bid ? in.mid - 1 - dist(rng) : in.mid + 1 + dist(rng);
      const std::int64_t old = in.truth.qty_at(side, px);
      const std::int64_t qty = rng() % 4 == 0 ? 0 : 1 + static_cast<std::int64_t>(rng() % 100000);
      if (qty == old) continue;
      const std::string& other = bid ? bids : asks;
      if (other.find("," + dec(px, -1) + ",") != std::string::npos)
        continue;  // one entry per price
      (void)in.truth.set_level(side, px, qty);
      std::string& s = bid ? bids : asks;
      if (!s.empty()) s += ',';
      s += std::string(R"([")") +
           (qty == 0   ? "delete"
            : old == 0 ? "new"
                       : "change") +
           R"(",)" + dec(px, -1) + "," + dec(qty, -1) + "]";
    }
    change_id += 1 + static_cast<std::int64_t>(rng() % 30);  // shared, jumping ids
    const std::int64_t prev = in.last_change;
    in.last_change = change_id;
    in.states.insert(in.top_hash());
    return head(in.name) + R"("type":"change","change_id":)" + std::to_string(change_id) +
           R"(,"instrument_name":")" + in.name + R"(","bids":[)" + bids + R"(],"asks":[)" + asks +
           R"(],"prev_change_id":)" + std::to_string(prev) + "}}}";
  };
  // Subscriptions (and resubscriptions) are answered with a fresh snapshot.
  std::size_t seen = 0;
  auto answer_subscriptions = [&] {
    while (seen < out.sent.size()) {
      const std::string s = out.sent[seen++];
      if (s.find("public/subscribe") == std::string::npos) continue;
      for (std::size_t i = 0; i < ins.size(); ++i) {
        if (s.find("book." + ins[i].name + ".raw") != std::string::npos) deliver(snapshot(i));
      }
    }
  };
  for (auto& in : ins) in.last_change = (change_id += 7);
  answer_subscriptions();

  std::uint64_t injected = 0;
  for (int step = 0; step < 20'000; ++step) {
    const std::size_t i = rng() % ins.size();
    const bool fault =
        books.status(static_cast<std::uint32_t>(i)) == BookStatus::live && rng() % 40 == 0;
    if (!fault) {
      deliver(change(i));
    } else {
      ++injected;
      switch (rng() % 4) {
        case 0:
          (void)change(i);
          deliver(change(i));
          break;
        case 1: {
          const auto f = change(i);
          deliver(f);
          deliver(f);
          break;
        }
        case 2: {
          const auto a = change(i);
          const auto b = change(i);
          deliver(b);
          deliver(a);
          break;
        }
        default: {
          const auto f = change(i);
          deliver(f.substr(0, f.size() / 2 + rng() % (f.size() / 2)));
          break;
        }
      }
    }
    answer_subscriptions();
  }
  for (std::size_t i = 0; i < ins.size(); ++i) deliver(change(i));
  answer_subscriptions();

  INFO("injected " << injected << ", live checks " << live_checks);
  CHECK(injected > 100);
  CHECK(books.counters().gaps.load() == injected);
  CHECK(live_checks > 10'000);
  for (std::uint32_t i = 0; i < ins.size(); ++i) {
    INFO(ins[i].name);
    CHECK(books.status(i) == BookStatus::live);
    for (const Side side : {Side::bid, Side::ask}) {
      std::vector<Level> got(4000);
      std::vector<Level> want(4000);
      got.resize(books.book(i).copy_top(side, got.data(), got.size()));
      want.resize(ins[i].truth.copy_top(side, want.data(), want.size()));
      CHECK(got == want);
    }
  }
  writer.reset();
  std::filesystem::remove_all(dir);
}
