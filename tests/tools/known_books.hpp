#pragma once
// The books the tools tests publish, with the exact text `wirebook dump --json`
// must print for them (written by hand, not by the code under test).
#include <cstdint>
#include <string>
#include <vector>

#include <wirebook/shm_layout.hpp>

namespace wirebook::tools_test {

struct KnownBook {
  const char* venue;
  const char* symbol;
  std::int8_t px_exp;
  std::int8_t qty_exp;
  std::vector<shm::Level> bids;  // as published (best first; may exceed the depth)
  std::vector<shm::Level> asks;
  std::uint64_t version;
  std::int64_t ts_exchange_ns;
  std::int64_t ts_recv_ns;
  std::int64_t ts_publish_ns;
  // Expected dump text, best first, cut to the segment depth.
  std::vector<std::pair<std::string, std::string>> bids_text;
  std::vector<std::pair<std::string, std::string>> asks_text;
};

struct KnownVenue {
  const char* name;
  std::uint32_t depth;
  std::vector<const char*> symbols;  // in segment order
};

inline const char* const kInstance = "t";

inline std::vector<KnownVenue> known_venues() {
  return {{"alpha", 12, {"SPOT_BTC_USDT", "SPOT_ETH_USDT"}}, {"beta", 5, {"BTC-PERP"}}};
}

inline std::vector<KnownBook> known_books() {
  return {
      {"alpha",
       "SPOT_BTC_USDT",
       -2,
       -8,
       {{5674915, 103895025}, {5674900, 50000000}, {5674850, 1}, {5600000, 100000000}},
       {{5674920, 200000000}, {5675000, 12345678}},
       123,
       1'700'000'000'111'000'000,
       1'700'000'000'111'500'000,
       1'700'000'000'111'502'500,
       {{"56749.15", "1.03895025"}, {"56749", "0.5"}, {"56748.5", "0.00000001"}, {"56000", "1"}},
       {{"56749.2", "2"}, {"56750", "0.12345678"}}},
      {"alpha",
       "SPOT_ETH_USDT",
       -4,
       2,
       {{30001234, 5}},
       {{30010000, 12}, {30020000, 1}},
       7,
       1'700'000'000'222'000'000,
       1'700'000'000'222'000'100,
       1'700'000'000'222'004'100,
       {{"3000.1234", "500"}},
       {{"3001", "1200"}, {"3002", "100"}}},
      {"beta",
       "BTC-PERP",
       -1,
       -3,
       {{567491, 1500},
        {567490, 2},
        {567480, 100000},
        {567470, 999},
        {567460, 1000},
        {567450, 1},
        {567440, 1}},
       {{567500, 3}},
       99,
       1'700'000'000'333'000'000,
       1'700'000'000'333'000'000,
       1'700'000'000'333'001'000,
       {{"56749.1", "1.5"},
        {"56749", "0.002"},
        {"56748", "100"},
        {"56747", "0.999"},
        {"56746", "1"}},
       {{"56750", "0.003"}}},
  };
}

// The positions scenario's positions on alpha, in slot order, with the exact
// lines `wirebook positions` must print for them (written by hand). BTC is
// published twice (first quantity 1), so its last publication is update 2;
// ETH is a market alpha does not subscribe and leaves three fields unknown.
struct KnownPosition {
  const char* instrument;
  std::uint16_t known;
  std::int64_t value[shm::kPositionFields];
  std::int8_t exp[shm::kPositionFields];
  std::int64_t ts_exchange_ns;
  std::int64_t ts_recv_ns;
  std::int64_t ts_publish_ns;
  std::uint64_t updates;
  const char* text_line;
  const char* json_line;
};

inline std::vector<KnownPosition> known_positions() {
  return {
      {"BTC-USD-SWAP-LIN",
       0x3F,
       {5, 432105, -1225, 3, 2160525, 10},
       {-1, -1, -2, 4, -3, 0},
       1'700'000'000'444'000'000,
       1'700'000'000'444'500'000,
       1'700'000'000'444'502'000,
       2,
       "alpha BTC-USD-SWAP-LIN quantity 0.5 entry_price 43210.5 pnl -12.25 liquidation_price "
       "30000 margin 2160.525 leverage 10 exch=1700000000444000000 recv=1700000000444500000",
       "{\"venue\":\"alpha\",\"instrument\":\"BTC-USD-SWAP-LIN\",\"quantity\":\"0.5\","
       "\"entry_price\":\"43210.5\",\"pnl\":\"-12.25\",\"liquidation_price\":\"30000\","
       "\"margin\":\"2160.525\",\"leverage\":\"10\",\"updates\":2,"
       "\"exchange_ts_ns\":1700000000444000000,\"recv_ts_ns\":1700000000444500000,"
       "\"publish_ts_ns\":1700000000444502000}"},
      {"ETH-USD-SWAP-LIN",
       0x13,
       {-3, 30001234, 0, 0, 25, 0},
       {0, -4, 0, 0, -1, 0},
       1'700'000'000'555'000'000,
       1'700'000'000'555'000'100,
       1'700'000'000'555'000'900,
       1,
       "alpha ETH-USD-SWAP-LIN quantity -3 entry_price 3000.1234 pnl - liquidation_price - "
       "margin 2.5 leverage - exch=1700000000555000000 recv=1700000000555000100",
       "{\"venue\":\"alpha\",\"instrument\":\"ETH-USD-SWAP-LIN\",\"quantity\":\"-3\","
       "\"entry_price\":\"3000.1234\",\"pnl\":null,\"liquidation_price\":null,"
       "\"margin\":\"2.5\",\"leverage\":null,\"updates\":1,"
       "\"exchange_ts_ns\":1700000000555000000,\"recv_ts_ns\":1700000000555000100,"
       "\"publish_ts_ns\":1700000000555000900}"},
  };
}

// The reference scenario's reference data on alpha SPOT_BTC_USDT (book 0):
// first the mark alone (update 1), then every field (update 2), with the
// exact lines `wirebook dump` must print for it (written by hand).
struct KnownReference {
  shm::Reference first;  // mark 56749.4 only
  shm::Reference last;   // every field
  const char* text_line;
  const char* json_member;
};

inline KnownReference known_reference() {
  KnownReference k;
  k.first.set(shm::ReferenceField::mark_price, 567494, -1);
  k.first.ts_exchange_ns = 1'700'000'000'700'000'000;
  k.last.set(shm::ReferenceField::mark_price, 567495, -1);
  k.last.set(shm::ReferenceField::index_price, 5675025, -2);
  k.last.set(shm::ReferenceField::funding_rate, 1, -4);
  k.last.set(shm::ReferenceField::next_funding_time, 1'700'028'800'000'000'000, 0);
  k.last.set(shm::ReferenceField::open_interest, 12345, -1);
  k.last.ts_exchange_ns = 1'700'000'000'777'000'000;
  k.last.ts_recv_ns = 1'700'000'000'777'000'500;
  k.last.ts_publish_ns = 1'700'000'000'777'000'900;
  k.text_line =
      "mark 56749.5 index 56750.25 funding_rate 0.0001 next_funding 2023-11-15T06:13:20Z "
      "open_interest 1234.5";
  k.json_member =
      "\"reference\":{\"mark_price\":\"56749.5\",\"index_price\":\"56750.25\","
      "\"funding_rate\":\"0.0001\",\"open_interest\":\"1234.5\","
      "\"next_funding_time_ns\":1700028800000000000,\"updates\":2,"
      "\"exchange_ts_ns\":1700000000777000000,\"recv_ts_ns\":1700000000777000500}";
  return k;
}

}  // namespace wirebook::tools_test
