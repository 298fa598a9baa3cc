// `wirebook sim` as a process: machine-readable start-up lines, wss:// with
// the printed CA, the report and the truth file at the end.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tools/sim/module.hpp"
#include "woo/woo_client.hpp"

using namespace wirebook;
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

namespace {

// Runs `wirebook <args>` through the shell; returns its exit status and fills `out`
// (stdout+stderr).
int run_cli(const std::string& args, std::string& out) {
  const std::string cmd =
      std::string("timeout 60 ") + std::getenv("WIREBOOK_BIN") + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return ::pclose(p);
}

}  // namespace

TEST_CASE("wirebook sim --help lists every module's options from its table", "[sim][cli]") {
  if (std::getenv("WIREBOOK_BIN") == nullptr) {
    WARN("WIREBOOK_BIN is not set (run through meson test); skipping");
    return;
  }
  std::string help;
  CHECK(run_cli("sim --help", help) == 0);
  INFO(help);
  for (const sim::VenueModule* m : sim::venue_modules()) {
    CHECK(help.find("  " + std::string(m->name) + ": " + std::string(m->description)) !=
          std::string::npos);
    for (const sim::OptionSpec& o : m->options) {
      CHECK(help.find("      " + std::string(o.key) + "=" + std::string(o.default_value) + ": " +
                      std::string(o.help) + "; " + sim::describe_rule(o)) != std::string::npos);
    }
  }
  CHECK(help.find("--ws-port") != std::string::npos);
  CHECK(help.find("--wss-port") != std::string::npos);
  CHECK(help.find("--set") != std::string::npos);
}

TEST_CASE("wirebook sim refuses a bad venue option before serving, naming key, venue and rule",
          "[sim][cli]") {
  if (std::getenv("WIREBOOK_BIN") == nullptr) {
    WARN("WIREBOOK_BIN is not set (run through meson test); skipping");
    return;
  }
  const sim::VenueModule& m = *sim::venue_modules().front();
  const std::string name(m.name);
  std::string out;
  CHECK(run_cli("sim --venue " + name + " --set " + name + ".no_such=1", out) != 0);
  CHECK(out.find("wirebook sim: unknown option " + name + ".no_such (" + name + " options:") !=
        std::string::npos);
  CHECK(out.find("WIREBOOK_SIM_READY") == std::string::npos);
  out.clear();
  CHECK(run_cli("sim --ws-port nope=0", out) != 0);
  CHECK(out.find("wirebook sim: unknown venue 'nope' (" + sim::module_names() + ")") !=
        std::string::npos);
}
