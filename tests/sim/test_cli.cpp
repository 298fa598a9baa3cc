// `wirebook sim` as a process: machine-readable start-up lines, wss:// with
// the printed CA, the report and the truth file at the end.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "venue_clients.hpp"

using namespace wirebook::simtest;

TEST_CASE("wirebook sim prints its endpoints and CA, serves a protocol client and writes the truth",
          "[sim][cli]") {
  const char* bin = std::getenv("WIREBOOK_BIN");
  if (bin == nullptr) {
    WARN("WIREBOOK_BIN is not set (run through meson test); skipping");
    return;
  }
  const std::string truth_path = "/tmp/wirebook-sim-truth-" + std::to_string(::getpid()) + ".jsonl";
  const std::string cmd =
      std::string("timeout 120 ") + bin +
      " sim --venue woo --seed 5 --frames 800 --rate 0 --wait-subscriptions 18 --linger-ms 500"
      " --truth " +
      truth_path;
  INFO(cmd);
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string ws_url, wss_url, ca, line, report;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    line = buf;
    if (!line.empty() && line.back() == '\n') line.pop_back();
    std::istringstream in(line);
    std::string tag, venue, value;
    in >> tag >> venue >> value;
    if (tag == "WIREBOOK_SIM" && value.rfind("wss://", 0) == 0) wss_url = value;
    if (tag == "WIREBOOK_SIM" && value.rfind("ws://", 0) == 0) ws_url = value;
    if (tag == "WIREBOOK_SIM_CA") ca = venue;
    if (tag == "WIREBOOK_SIM_READY") break;
  }
  REQUIRE(!wss_url.empty());
  REQUIRE(!ws_url.empty());
  REQUIRE(!ca.empty());
  ClientOptions o;
  o.url = wss_url;
  o.ca_file = ca;
  o.symbols = {"SPOT_BTC_USDT", "PERP_BTC_USDT", "SPOT_ETH_USDT",
               "PERP_ETH_USDT", "SPOT_WOO_USDT", "PERP_DOGE_USDT"};
  const ClientResult r = run_woo_client(o);
  while (std::fgets(buf, sizeof buf, p) != nullptr) report += buf;
  const int status = ::pclose(p);
  INFO("client end " << r.end << "\nreport " << report);
  CHECK(status == 0);
  CHECK(r.close_code == 1000);
  CHECK(report.find("WIREBOOK_SIM_REPORT venue=woo events=800 ") != std::string::npos);
  std::ifstream t(truth_path);
  std::stringstream truth;
  truth << t.rdbuf();
  CHECK(!truth.str().empty());
  CHECK(compare_books(r.books, truth.str(), "woo").empty());
  std::remove(truth_path.c_str());
}
