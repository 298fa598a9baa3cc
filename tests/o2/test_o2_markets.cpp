// GET /api/v1/markets: the {success, data, error} envelope, symbol -> market id.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "feeds/o2/markets.hpp"
#include "o2_test_util.hpp"

using namespace wirebook::feeds::o2;

TEST_CASE("the markets envelope maps symbols to integer ids and decimals", "[o2][rest]") {
  const MarketsResult r = parse_markets(o2_test::fixture("rest_markets.json"));
  REQUIRE(r.status == RestStatus::ok);
  REQUIRE(r.markets.size() == 3);
  CHECK(r.markets[0].symbol == "BTC-USD");
  CHECK(r.markets[0].market_id == 1);
  CHECK(r.markets[0].price_decimals == 1);
  CHECK(r.markets[0].size_decimals == 4);
  CHECK(r.markets[2].symbol == "SOL-USD");  // "name" and a string "market_id"
  CHECK(r.markets[2].market_id == 3);
  CHECK_FALSE(r.markets[2].price_decimals.has_value());
}

TEST_CASE("the markets list may be nested as data.markets with string decimals", "[o2][rest]") {
  const MarketsResult r = parse_markets(o2_test::fixture("rest_markets_nested.json"));
  REQUIRE(r.status == RestStatus::ok);
  REQUIRE(r.markets.size() == 1);
  CHECK(r.markets[0].market_id == 11);
  CHECK(r.markets[0].price_decimals == 2);
  CHECK(r.markets[0].size_decimals == 5);
}

TEST_CASE("an error envelope is a venue error carrying the venue's message", "[o2][rest]") {
  const MarketsResult r = parse_markets(o2_test::fixture("rest_markets_error.json"));
  CHECK(r.status == RestStatus::venue_error);
  CHECK(r.error == "rate limit exceeded");
  const MarketsResult o =
      parse_markets(R"({"success":false,"data":null,"error":{"code":7,"message":"maintenance"}})");
  CHECK(o.status == RestStatus::venue_error);
  CHECK(o.error == "maintenance");
}

TEST_CASE("bodies that are not the envelope are malformed, with a reason", "[o2][rest]") {
  for (const char* body :
       {"<html>502</html>", R"({"data":[]})", R"({"success":true})",
        R"({"success":true,"data":{"x":1}})", R"({"success":true,"data":[{"symbol":"BTC-USD"}]})",
        R"({"success":true,"data":[{"id":-1,"symbol":"BTC-USD"}]})",
        R"({"success":true,"data":[{"id":1}]})"}) {
    INFO(body);
    const MarketsResult r = parse_markets(body);
    CHECK(r.status == RestStatus::malformed);
    CHECK_FALSE(r.error.empty());
  }
}

TEST_CASE("symbols resolve exactly first, then ignoring case and separators", "[o2][rest]") {
  const auto r = parse_markets(o2_test::fixture("rest_markets.json"));
  const auto ids = resolve_markets({"ETH-USD", "btc_usd"}, r.markets);
  REQUIRE(ids.size() == 2);
  CHECK(ids[0].market_id == 2);
  CHECK(ids[0].symbol == "ETH-USD");
  CHECK(ids[1].market_id == 1);
  CHECK(ids[1].symbol == "btc_usd");  // our symbol is kept
  CHECK_THROWS_WITH(resolve_markets({"BTC-USD", "DOGE-USD", "XRP"}, r.markets),
                    Catch::Contains("DOGE-USD, XRP"));
}
