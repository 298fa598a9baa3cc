// OX.FUN requests: the login signature (PROTOCOLS.md §4.2 test vector), the
// request pacing and the pairing of refusals with their channels.
#include <catch2/catch.hpp>

#include "feeds/oxfun/requests.hpp"
#include "oxfun_test_util.hpp"

using namespace wirebook::feeds::oxfun;
using oxfun_test::RecordingOutbox;

TEST_CASE("the login signature matches the documented test vector", "[oxfun][login]") {
  CHECK(login_signature("secret", "1700000000000") ==
        "qNyCEuPA4GPpD3gYnapr/2/0OOe1C+GUn5QWMIV8GoY=");
  CHECK(login_signature("secret", "1700000000001") !=
        "qNyCEuPA4GPpD3gYnapr/2/0OOe1C+GUn5QWMIV8GoY=");
}

TEST_CASE("the login frame carries key, timestamp and signature, never the secret",
          "[oxfun][login]") {
  const std::string f = login_frame("login", "key-1", "top-secret-value", "1700000000000");
  CHECK(f.find(R"("op":"login")") != std::string::npos);
  CHECK(f.find(R"("apiKey":"key-1")") != std::string::npos);
  CHECK(f.find(R"("timestamp":"1700000000000")") != std::string::npos);
  CHECK(f.find(login_signature("top-secret-value", "1700000000000")) != std::string::npos);
  CHECK(f.find("top-secret-value") == std::string::npos);
}

TEST_CASE("subscribe frames carry many args under one tag", "[oxfun][requests]") {
  const std::vector<std::string> args = {"depthUpdate:A", "trade:A", "depthUpdate:B"};
  CHECK(args_frame("subscribe", "s1", args) ==
        R"({"op":"subscribe","tag":"s1","args":["depthUpdate:A","trade:A","depthUpdate:B"]})");
}

TEST_CASE("the pacer sends at most one request per interval", "[oxfun][requests]") {
  RecordingOutbox out;
  RequestPacer pacer(1'000'000'000);
  pacer.push("a");
  pacer.push("b");
  pacer.push("c");
  pacer.drain(out, 5'000'000'000);
  pacer.drain(out, 5'500'000'000);
  CHECK(out.sent == std::vector<std::string>{"a"});
  pacer.drain(out, 6'000'000'000);
  pacer.drain(out, 6'999'999'999);
  CHECK(out.sent == std::vector<std::string>{"a", "b"});
  pacer.drain(out, 7'000'000'000);
  CHECK(out.sent.size() == 3);
  CHECK(pacer.empty());
}

TEST_CASE("a refusal without a channel is paired once every arg is answered", "[oxfun][requests]") {
  SubscribeLedger ledger;
  std::vector<Refusal> out;
  const std::string tag =
      ledger.open({{"depthUpdate:A", 0}, {"depthUpdate:BAD", 1}, {"depthUpdate:C", 2}});
  ledger.acked("depthUpdate:A", out);
  CHECK(ledger.refused(tag, "", "20015", "marketCode is invalid", out));
  CHECK(out.empty());  // C is not answered yet: the refused one is unknown
  ledger.acked("depthUpdate:C", out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].arg.channel == "depthUpdate:BAD");
  CHECK(out[0].arg.instrument == 1);
  CHECK(out[0].code == "20015");
  CHECK(out[0].message == "marketCode is invalid");
}

TEST_CASE("a refusal of a one-arg frame resolves at once; unknown tags are not ours",
          "[oxfun][requests]") {
  SubscribeLedger ledger;
  std::vector<Refusal> out;
  const std::string tag = ledger.open({{"position:all", -1}});
  CHECK_FALSE(ledger.refused("zz", "", "1", "x", out));
  CHECK(ledger.refused(tag, "", "20001", "Authentication is required", out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].arg.channel == "position:all");
}

TEST_CASE("refusals left unpaired at a disconnect are reported by frame", "[oxfun][requests]") {
  SubscribeLedger ledger;
  std::vector<Refusal> out;
  const std::string tag = ledger.open({{"depthUpdate:A", 0}, {"depthUpdate:B", 1}});
  CHECK(ledger.refused(tag, "", "20015", "marketCode is invalid", out));
  CHECK(out.empty());
  ledger.flush(out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].arg.channel == "frame " + tag);
  CHECK(out[0].arg.instrument == -1);
}
