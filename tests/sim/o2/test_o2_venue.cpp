// The simulator's O2 venue (working schema, DESIGN §5): books rebuilt from its
// frames by an independent client equal its truth; faults are injected through
// Venue::deliver_delta like every venue; REST /api/v1/markets and
// /api/v1/markets/{id}/orderbook answer in the {success, data, error} envelope.
#include <catch2/catch.hpp>

#include "feeds/common/https_client.hpp"
#include "feeds/o2/markets.hpp"
#include "o2/o2_client.hpp"
#include "ref_book.hpp"
#include "sim_thread.hpp"
#include "tools/sim/o2/o2_venue.hpp"
#include "ws_client.hpp"

using namespace wirebook;
using namespace wirebook::simtest;

namespace {

feeds::RestEndpoint endpoint(const std::string& base, const std::string& ca) {
  feeds::RestEndpoint ep;
  REQUIRE(feeds::parse_rest_base(base, ep).empty());
  ep.ca_file = ca;
  return ep;
}

}  // namespace

TEST_CASE("an O2 client following seq/prev_seq rebuilds the true books over ws://", "[sim][o2]") {
  const std::uint64_t seed = GENERATE(51U, 52U);
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"o2"});
  cfg.venue.frames = 4000;
  const auto syms = symbol_names("o2", 0);
  cfg.venue.wait_subscriptions = syms.size() * 3;  // order_book, trades, ticker
  SimThread st(cfg);
  ClientOptions o;
  o.url = st.sim().url("o2", false);
  o.symbols = syms;
  const ClientResult r = run_o2_client(o);
  st.join();
  REQUIRE(r.connect_error.empty());
  INFO("end: " << r.end);
  CHECK(r.close_code == 1000);
  CHECK(r.c.deltas == 4000);
  CHECK(r.c.applied == 4000);
  CHECK(r.c.gaps == 0);
  CHECK(r.c.bad_json == 0);
  CHECK(r.c.bad_types == 0);
  CHECK(r.c.snapshots == syms.size());
  CHECK(r.c.quotes > 0);
  CHECK(r.c.quote_mismatch == 0);
  CHECK(r.c.trades > 0);
  CHECK(compare_books(r.books, st.sim().truth(), "o2").empty());
}

TEST_CASE("O2 over wss:// verifies against the simulator's CA and books still match",
          "[sim][o2][tls]") {
  const std::uint64_t seed = 53;
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"o2"});
  cfg.venue.frames = 1500;
  cfg.venue.symbols = 3;
  cfg.venue.wait_subscriptions = 9;
  SimThread st(cfg);
  ClientOptions o;
  o.url = st.sim().url("o2", true);
  o.ca_file = st.sim().ca_path();
  o.symbols = symbol_names("o2", 3);
  const ClientResult r = run_o2_client(o);
  st.join();
  REQUIRE(r.connect_error.empty());
  CHECK(r.close_code == 1000);
  CHECK(r.c.gaps == 0);
  CHECK(compare_books(r.books, st.sim().truth(), "o2").empty());
}

TEST_CASE("O2 delta faults go through deliver_delta: drops and duplicates are seen and healed",
          "[sim][o2][faults]") {
  const std::uint64_t seed = 54;
  INFO("seed " << seed);
  auto cfg = test_config(seed, {"o2"});
  cfg.venue.frames = 4000;
  cfg.venue.symbols = 3;
  cfg.venue.wait_subscriptions = 9;
  sim::apply_fault_spec(cfg.faults, "o2:drop=0.01");
  sim::apply_fault_spec(cfg.faults, "o2:dup=0.01");
  sim::apply_fault_spec(cfg.faults, "woo:drop=0.5");  // another venue's knob: no effect here
  SimThread st(cfg);
  ClientOptions o;
  o.url = st.sim().url("o2", false);
  o.symbols = symbol_names("o2", 3);
  const ClientResult r = run_o2_client(o);
  st.join();
  REQUIRE(r.connect_error.empty());
  auto* v = st.sim().venue("o2");
  const auto drops = v->faults().get(sim::FaultKind::drop);
  const auto dups = v->faults().get(sim::FaultKind::dup);
  INFO("drops " << drops << " dups " << dups << " gaps " << r.c.gaps << " stale " << r.c.stale);
  CHECK(drops > 0);
  CHECK(dups > 0);
  CHECK(r.c.gaps >= 1);
  CHECK(r.c.gaps <= drops);
  CHECK(r.c.stale >= 1);
  CHECK(compare_books(r.books, st.sim().truth(), "o2").empty());
}

TEST_CASE("O2 REST: markets and order books in the envelope, over http:// and https://",
          "[sim][o2][rest]") {
  auto cfg = test_config(55, {"o2"});
  cfg.venue.frames = 2000;
  cfg.venue.symbols = 3;
  cfg.linger_ms = 60'000;  // REST is asked while the finished market lingers
  SimThread st(cfg);
  auto* v = st.sim().venue("o2");
  REQUIRE(wait_for([&] { return v->stats().events.load() >= 2000; }));
  std::map<std::string, RefBook> books;
  for (const bool tls : {false, true}) {
    INFO((tls ? "https" : "http"));
    const std::string base = st.sim().rest_base("o2", tls);
    REQUIRE(!base.empty());
    const auto ep = endpoint(base, st.sim().ca_path());
    const auto m = feeds::https_get(ep, "/api/v1/markets", std::chrono::seconds(10));
    INFO("error: " << m.error);
    REQUIRE(m.status == 200);
    const auto markets = feeds::o2::parse_markets(m.body);
    REQUIRE(markets.status == feeds::o2::RestStatus::ok);
    const auto ids = feeds::o2::resolve_markets(symbol_names("o2", 3), markets.markets);
    REQUIRE(ids.size() == 3);
    CHECK(ids[0].market_id == 1);
    CHECK(ids[2].market_id == 3);
    CHECK(ids[0].price_decimals == 1);

    const auto bad = feeds::https_get(ep, "/api/v1/markets/99/orderbook", std::chrono::seconds(10));
    CHECK(bad.status == 404);
    CHECK(bad.body.find(R"("success":false)") != std::string::npos);

    for (std::size_t i = 0; i < 3; ++i) {
      const auto b = feeds::https_get(ep, "/api/v1/markets/" + std::to_string(i + 1) + "/orderbook",
                                      std::chrono::seconds(10));
      REQUIRE(b.status == 200);
      simdjson::dom::parser p;
      simdjson::dom::element doc = p.parse(b.body);
      CHECK(doc["success"].get_bool().value());
      RefBook rb;
      for (const char* side : {"bids", "asks"}) {
        for (simdjson::dom::element lv : doc["data"][side].get_array()) {
          std::int64_t px = 0;
          std::int64_t qty = 0;
          REQUIRE(parse_scaled(lv.at(0).get_string().value(), px));
          REQUIRE(parse_scaled(lv.at(1).get_string().value(), qty));
          rb.set(std::string_view(side) == "bids", px, qty);
        }
      }
      books[symbol_names("o2", 3)[i]] = rb;
    }
  }
  st.sim().stop();  // ends the linger; the market was finished, the truth is final
  st.join();
  CHECK(compare_books(books, st.sim().truth(), "o2").empty());
}

TEST_CASE("O2 REST over https:// verifies the simulator's certificate", "[sim][o2][rest][tls]") {
  auto cfg = test_config(56, {"o2"});
  cfg.venue.rate = 10;  // unbounded; stopped by ~SimThread
  SimThread st(cfg);
  auto ep = endpoint(st.sim().rest_base("o2", true), st.sim().ca_path());
  const auto ok = feeds::https_get(ep, "/api/v1/markets", std::chrono::seconds(10));
  INFO("error: " << ok.error);
  CHECK(ok.status == 200);
  SimThread other(cfg);  // a different CA
  ep.ca_file = other.sim().ca_path();
  const auto refused = feeds::https_get(ep, "/api/v1/markets", std::chrono::seconds(10));
  CHECK(refused.status == 0);
  CHECK(refused.error.find("tls handshake") != std::string::npos);
}

TEST_CASE("unsequenced O2 frames carry no seq/prev_seq but keep type", "[sim][o2]") {
  auto cfg = test_config(57, {"o2"});
  cfg.venue.frames = 200;
  cfg.venue.symbols = 1;
  cfg.venue.wait_subscriptions = 1;
  cfg.options["o2"]["unsequenced"] = "true";
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("o2", false), "").empty());
  c.send(R"({"type":"subscribe","channel":"order_book","market_id":1})");
  std::string msg;
  int books = 0;
  while (c.read(msg, std::chrono::seconds(20)) == ReadStatus::ok) {
    if (msg.find(R"("channel":"order_book")") == std::string::npos) continue;
    if (msg.find("\"data\"") == std::string::npos) continue;  // the ack
    ++books;
    CHECK(msg.find("\"seq\"") == std::string::npos);
    CHECK(msg.find("\"prev_seq\"") == std::string::npos);
    CHECK(msg.find("\"type\":\"") != std::string::npos);
  }
  CHECK(books == 201);  // the snapshot and every delta
}

TEST_CASE(
    "O2 acks subscribe and unsubscribe, refuses unknown channels and markets, answers bad "
    "JSON",
    "[sim][o2]") {
  auto cfg = test_config(58, {"o2"});
  cfg.venue.rate = 50;
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("o2", false), "").empty());
  c.send(R"({"type":"subscribe","channel":"ticker","market_id":2})");
  CHECK(await(c, R"("type":"subscribed")") ==
        R"({"type":"subscribed","channel":"ticker","market_id":2})");
  c.send(R"({"type":"subscribe","channel":"order_book","market_id":1})");
  const std::string snapshot = await(c, R"("type":"snapshot")");
  CHECK(snapshot.find(R"({"channel":"order_book","market_id":1,"type":"snapshot","seq":)") == 0);
  c.send(R"({"type":"unsubscribe","channel":"ticker","market_id":2})");
  CHECK(await(c, R"("type":"unsubscribed")") ==
        R"({"type":"unsubscribed","channel":"ticker","market_id":2})");
  c.send(R"({"type":"subscribe","channel":"candles","market_id":1})");
  CHECK(await(c, R"("type":"error")") == R"({"type":"error","message":"unknown channel"})");
  c.send(R"({"type":"subscribe","channel":"trades","market_id":99})");
  CHECK(await(c, R"("type":"error")") == R"({"type":"error","message":"unknown market_id"})");
  c.send(R"({"type":"ping"})");
  CHECK(await(c, R"("type":"error")") == R"({"type":"error","message":"unsupported type"})");
  c.send("not json");
  CHECK(await(c, R"("type":"error")") == R"({"type":"error","message":"invalid json"})");
}

TEST_CASE("O2 sends mark_price and funding only to subscribers, values as strings",
          "[sim][o2][reference]") {
  auto cfg = test_config(57, {"o2"});
  cfg.venue.rate = 50;
  cfg.options["o2"]["mark_ms"] = "20";
  SimThread st(cfg);
  WsClient c;
  REQUIRE(c.connect(st.sim().url("o2", false), "").empty());
  c.send(R"({"type":"subscribe","channel":"mark_price","market_id":2})");
  c.send(R"({"type":"subscribe","channel":"funding","market_id":2})");
  const std::string m = await(c, R"({"channel":"mark_price","market_id":2,"ts":)");
  CHECK(m.find(R"("data":{"mark_price":")") != std::string::npos);
  const std::string f = await(c, R"({"channel":"funding","market_id":2,"ts":)");
  CHECK(f.find(R"("data":{"funding_rate":")") != std::string::npos);
  const auto sent = sim::o2_reference_sent(*st.sim().venue("o2"), 1);
  REQUIRE(sent.has_value());
  CHECK(sent->mark_pushes >= 1);
  CHECK(sent->funding_pushes >= 1);
  CHECK_FALSE(sent->mark_price.empty());
  const auto other = sim::o2_reference_sent(*st.sim().venue("o2"), 0);
  REQUIRE(other.has_value());
  CHECK(other->mark_pushes == 0);  // nobody subscribed market 1
}
