// The websocket session's failure paths: backoff law, refused connections,
// certificate verification failures. Loopback only.
#include <catch2/catch.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "feeds/common/clock.hpp"
#include "feeds/common/ws_session.hpp"
#include "tools/sim/sim.hpp"

using namespace wirebook;

namespace {

struct NullHandler final : feeds::FrameHandler {
  void on_open(std::int64_t) override { ++opens; }
  void on_close(std::int64_t) override { ++closes; }
  bool on_frame(const char*, std::size_t, std::size_t, std::int64_t,
                std::int64_t) noexcept override {
    return false;
  }
  bool on_timer(std::int64_t) noexcept override { return false; }
  std::atomic<int> opens{0};
  std::atomic<int> closes{0};
};

// Runs a session until `done` says so (checked on the io thread) or a timeout.
template <class Done>
bool run_until(feeds::SessionOptions o, feeds::FrameHandler& h, std::vector<std::string>& logs,
               Done done, std::chrono::seconds timeout = std::chrono::seconds(60)) {
  boost::asio::io_context io;
  feeds::WsSession s(io, std::move(o), h, [&](int, std::string_view m) { logs.emplace_back(m); });
  s.start();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool ok = false;
  while (std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(20));
    if (done(s)) {
      ok = true;
      break;
    }
  }
  s.stop();
  io.run_for(std::chrono::milliseconds(50));
  return ok;
}

}  // namespace

TEST_CASE("reconnect delays follow exponential backoff with full jitter", "[ws][backoff]") {
  feeds::SessionOptions o;  // base 100 ms, cap 30 s
  CHECK(feeds::backoff_delay(o, 0, ~0ULL) <= 100'000'000);
  CHECK(feeds::backoff_delay(o, 3, 800'000'000) == 800'000'000);
  CHECK(feeds::backoff_delay(o, 3, 800'000'001) == 0);  // wraps within [0, 800 ms]
  CHECK(feeds::backoff_delay(o, 20, 30'000'000'000) == 30'000'000'000);
  CHECK(feeds::backoff_delay(o, 100, 30'000'000'001) == 0);
  std::mt19937_64 rng(7);
  for (unsigned a = 0; a < 40; ++a) {
    const std::int64_t ceiling =
        std::min<std::int64_t>(30'000'000'000, 100'000'000LL << std::min(a, 30U));
    for (int k = 0; k < 100; ++k) {
      const auto d = feeds::backoff_delay(o, a, rng());
      REQUIRE(d >= 0);
      REQUIRE(d <= ceiling);
    }
  }
}

TEST_CASE("a refused connection is retried with backoff, never a crash", "[ws]") {
  // A port that was free a moment ago: nothing listens there.
  boost::asio::io_context tmp;
  boost::asio::ip::tcp::acceptor a(tmp, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = a.local_endpoint().port();
  a.close();
  feeds::SessionOptions o;
  o.scheme = "ws";
  o.host = "127.0.0.1";
  o.port = port;
  o.backoff_base_ns = 20'000'000;
  o.backoff_cap_ns = 200'000'000;
  NullHandler h;
  std::vector<std::string> logs;
  std::vector<std::int64_t> attempts;
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(run_until(o, h, logs,
                    [](const feeds::WsSession& s) { return s.stats().connect_failures >= 6; }));
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  CHECK(h.opens == 0);
  // Six failures need at most 20+40+80+160+200 ms of backoff (plus slack for a loaded box).
  CHECK(elapsed < std::chrono::seconds(20));
  REQUIRE(!logs.empty());
  CHECK(logs.front().find("connect") != std::string::npos);
  CHECK(logs.front().find("reconnecting in") != std::string::npos);
}

TEST_CASE("a wrong CA fails certificate verification clearly and backs off", "[ws][tls]") {
  sim::SimConfig cfg;
  cfg.venues = {"woo"};
  cfg.venue.rate = 10;
  sim::Simulator simulator(cfg);
  std::thread t([&] { simulator.run(); });
  // A CA the server's certificate was not signed by: a second simulator's.
  sim::Simulator other(cfg);
  const std::string url = simulator.url("woo", true);
  const auto port = static_cast<std::uint16_t>(std::stoi(
      url.substr(url.rfind(':') + 1, url.find('/', url.rfind(':')) - url.rfind(':') - 1)));
  feeds::SessionOptions o;
  o.scheme = "wss";
  o.host = "127.0.0.1";
  o.port = port;
  o.target = url.substr(url.find('/', url.rfind(':')));
  o.ca_file = other.ca_path();
  o.backoff_base_ns = 20'000'000;
  o.backoff_cap_ns = 100'000'000;
  NullHandler h;
  std::vector<std::string> logs;
  REQUIRE(
      run_until(o, h, logs, [](const feeds::WsSession& s) { return s.stats().tls_failures >= 3; }));
  CHECK(h.opens == 0);
  bool clear = false;
  for (const auto& l : logs)
    clear = clear || l.find("certificate verify failed") != std::string::npos;
  INFO("first log: " << (logs.empty() ? "" : logs.front()));
  CHECK(clear);
  // The right CA connects.
  o.ca_file = simulator.ca_path();
  REQUIRE(run_until(o, h, logs, [&](const feeds::WsSession&) { return h.opens >= 1; }));
  simulator.stop();
  t.join();
}
