// Unit-level behaviour of the simulator's pieces.
#include <simdjson.h>

#include <catch2/catch.hpp>

#include "book/book_op.hpp"
#include "ref_book.hpp"
#include "tools/sim/faults.hpp"
#include "tools/sim/generator.hpp"
#include "tools/sim/pulse/pulse_venue.hpp"
#include "tools/sim/text.hpp"

using namespace wirebook;

TEST_CASE("exponent number forms are exact", "[sim]") {
  CHECK(sim::to_exponent_form("25000") == "2.5e4");
  CHECK(sim::to_exponent_form("0.0001423") == "1.423e-4");
  CHECK(sim::to_exponent_form("3") == "3e0");
  CHECK(sim::to_exponent_form("56749.15") == "5.674915e4");
  std::string s;
  sim::append_decimal(s, 1054, 0, sim::NumberStyle::float_like);
  CHECK(s == "1054.0");
  std::int64_t a = 0, b = 0;
  REQUIRE(simtest::parse_scaled(sim::to_exponent_form("0.000001"), a));
  REQUIRE(simtest::parse_scaled("0.000001", b));
  CHECK(a == b);
}

TEST_CASE("fault specs scope kinds to venues and symbols", "[sim]") {
  sim::FaultConfig cfg;
  sim::apply_fault_spec(cfg, "drop=0.1");
  sim::apply_fault_spec(cfg, "woo:SPOT_BTC_USDT:reorder=0.5");
  sim::apply_fault_spec(cfg, "pulse:refuse=3");
  sim::apply_fault_spec(cfg, "stall_ms=7");
  auto rate = [](const sim::FaultRates& r, sim::FaultKind k) {
    return r.rate[static_cast<std::size_t>(k)];
  };
  CHECK(rate(cfg.of("woo").for_symbol("SPOT_BTC_USDT"), sim::FaultKind::reorder) == 0.5);
  CHECK(rate(cfg.of("woo").for_symbol("SPOT_BTC_USDT"), sim::FaultKind::drop) == 0.1);
  CHECK(rate(cfg.of("woo").for_symbol("SPOT_ETH_USDT"), sim::FaultKind::reorder) == 0.0);
  CHECK(rate(cfg.of("pulse").defaults, sim::FaultKind::refuse) == 3.0);
  CHECK(rate(cfg.of("woo").defaults, sim::FaultKind::refuse) == 0.0);
  CHECK(cfg.params.stall_ms == 7);
  CHECK_THROWS(sim::apply_fault_spec(cfg, "explode=0.1"));
  CHECK_THROWS(sim::apply_fault_spec(cfg, "drop=2"));
  CHECK_THROWS(sim::apply_fault_spec(cfg, "drop"));
}

TEST_CASE("corrupted and truncated frames are never valid JSON; wrong_type keeps JSON valid",
          "[sim]") {
  const std::string frame =
      R"({"topic":"SPOT_BTC_USDT@orderbookupdate","ts":1618826337580,"data":{"symbol":"SPOT_BTC_USDT","prevTs":1618826337380,"asks":[[56749.15,3.92864]],"bids":[]}})";
  simdjson::dom::parser p;
  sim::Rng rng(5);
  for (int i = 0; i < 500; ++i) {
    INFO("iteration " << i);
    CHECK(p.parse(sim::corrupt_json(frame, rng)).error() != simdjson::SUCCESS);
    CHECK(p.parse(sim::truncate_json(frame, rng)).error() != simdjson::SUCCESS);
  }
  simdjson::dom::element e = p.parse(sim::wrong_type_json(frame, "prevTs"));
  CHECK(e["data"]["prevTs"].is_string());
  const std::string big = sim::oversize_json(frame, 3U << 20U);
  CHECK(big.size() >= (3U << 20U));
  CHECK(p.parse(big).error() == simdjson::SUCCESS);
}

TEST_CASE("generated books stay within depth bounds, on the tick grid and uncrossed", "[sim]") {
  for (const char* kind : {"woo", "pulse"}) {
    for (const sim::SymbolSpec& spec : sim::venue_symbols(kind, 12)) {
      INFO(spec.name);
      sim::GeneratorParams gp;
      sim::BookGenerator g(spec, gp, 99);
      sim::BookEvent ev;
      std::size_t changes = 0, near_touch = 0;
      for (int i = 0; i < 3000; ++i) {
        g.step(ev);
        REQUIRE(!ev.changes.empty());
        const auto& b = g.book();
        REQUIRE(b.level_count(book::Side::bid) >= gp.min_levels);
        REQUIRE(b.level_count(book::Side::bid) <= gp.max_levels);
        REQUIRE(b.level_count(book::Side::ask) >= gp.min_levels);
        REQUIRE(b.level_count(book::Side::ask) <= gp.max_levels);
        REQUIRE(!b.crossed());
        book::Level bb{}, ba{};
        REQUIRE(b.best(book::Side::bid, bb));
        REQUIRE(b.best(book::Side::ask, ba));
        for (const sim::LevelChange& c : ev.changes) {
          REQUIRE(c.px % spec.tick == 0);
          REQUIRE(c.qty % spec.lot == 0);
          ++changes;
          const std::int64_t dist = c.side == book::Side::bid ? bb.px - c.px : c.px - ba.px;
          if (dist <= 20 * spec.tick) ++near_touch;
        }
      }
      CHECK(near_touch * 2 > changes);  // updates concentrate near the touch
    }
  }
}

TEST_CASE("the Pulse client_signature is hex HMAC-SHA256 over timestamp, nonce and data", "[sim]") {
  // Expected value from Python: hmac.new(b"sim-secret", b"1700000000000\nabc123\n", sha256).
  CHECK(sim::pulse_signature("sim-secret", "1700000000000", "abc123", "") ==
        "a05dc374576aac0f07fc12b7e601fb993810e4b4b126e9d571e34ce1383e4f4e");
}
