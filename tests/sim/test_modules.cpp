// The simulator table and what shared code keys by venue name: module
// descriptors, their option tables, port and option specs, per-venue faults.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>

#include "sim_thread.hpp"
#include "tools/sim/capture.hpp"
#include "tools/sim/server.hpp"

using namespace wirebook;
using namespace wirebook::simtest;

namespace {

// The message of the std::invalid_argument `fn` throws, or "" when it does not throw.
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return {};
}

constexpr sim::OptionSpec kSpecs[] = {
    {"period_ms", sim::OptionType::integer, "100", 1, 1000, "a period"},
    {"share", sim::OptionType::number, "0.5", 0, 1, "a share"},
    {"strict", sim::OptionType::flag, "false", 0, 0, "a flag"},
    {"name", sim::OptionType::text, "anon", 0, 0, "a name"},
};

}  // namespace

TEST_CASE("every module of the simulator table is complete and its defaults pass its own rules",
          "[sim][modules]") {
  std::set<std::string_view> names;
  REQUIRE(!sim::venue_modules().empty());
  for (const sim::VenueModule* m : sim::venue_modules()) {
    INFO("module " << m->name);
    CHECK(names.insert(m->name).second);
    CHECK(sim::find_module(m->name) == m);
    CHECK(m->path.starts_with("/"));
    CHECK(!m->description.empty());
    REQUIRE(m->make != nullptr);
    REQUIRE(m->default_symbols != nullptr);
    const auto defaults = sim::venue_symbols(*m, 0);
    REQUIRE(!defaults.empty());
    std::set<std::string> symbols;
    for (const auto& s : sim::venue_symbols(*m, defaults.size() + 12))
      CHECK(symbols.insert(s.name).second);  // synthetic names never clash with defaults
    std::set<std::string_view> keys;
    for (const sim::OptionSpec& o : m->options) CHECK(keys.insert(o.key).second);
    CHECK_NOTHROW(sim::ModuleOptions(m->name, m->options, {}));
  }
  CHECK(sim::find_module("nope") == nullptr);
  CHECK(error_of([] { (void)sim::venue_symbols("nope", 0); }).starts_with("unknown venue 'nope'"));
}

TEST_CASE("module options are typed by their table; messages name the key, the venue and the rule",
          "[sim][modules]") {
  const sim::ModuleOptions defaults("demo", kSpecs, {});
  CHECK(defaults.integer("period_ms") == 100);
  CHECK(defaults.number("share") == 0.5);
  CHECK(!defaults.flag("strict"));
  CHECK(defaults.text("name") == "anon");
  const sim::ModuleOptions given(
      "demo", kSpecs, {{"period_ms", "1000"}, {"share", "0"}, {"strict", "true"}, {"name", ""}});
  CHECK(given.integer("period_ms") == 1000);
  CHECK(given.number("share") == 0);
  CHECK(given.flag("strict"));
  CHECK(given.text("name").empty());
  CHECK_THROWS_AS(given.integer("share"), std::logic_error);  // a module reading the wrong type
  CHECK_THROWS_AS(given.flag("missing"), std::logic_error);

  auto message = [](sim::OptionTable t) {
    return error_of([&] { sim::ModuleOptions("demo", kSpecs, t); });
  };
  CHECK(message({{"perid_ms", "5"}}) ==
        "unknown option demo.perid_ms (demo options: period_ms, share, strict, name)");
  CHECK(message({{"period_ms", "0"}}) ==
        "option demo.period_ms must be an integer in 1..1000, got '0'");
  CHECK(message({{"period_ms", "12x"}}) ==
        "option demo.period_ms must be an integer in 1..1000, got '12x'");
  CHECK(message({{"period_ms", ""}}) ==
        "option demo.period_ms must be an integer in 1..1000, got ''");
  CHECK(message({{"share", "1.5"}}) == "option demo.share must be a number in 0..1, got '1.5'");
  CHECK(message({{"share", "nan"}}) == "option demo.share must be a number in 0..1, got 'nan'");
  CHECK(message({{"strict", "yes"}}) == "option demo.strict must be true or false, got 'yes'");
  CHECK(error_of([] {
          sim::ModuleOptions("bare", {}, {{"x", "1"}});
        }) == "unknown option bare.x (bare has no options)");
}

TEST_CASE("ports and module options are given per venue name", "[sim][modules]") {
  const std::string venue(sim::venue_modules().front()->name);
  sim::SimConfig cfg;
  sim::apply_port_spec(cfg, venue + "=-1", false);
  sim::apply_port_spec(cfg, venue + "=8443", true);
  CHECK(cfg.ports[venue].plain == -1);
  CHECK(cfg.ports[venue].tls == 8443);
  sim::apply_option_spec(cfg, venue + ".some_key=a=b");
  CHECK(cfg.options[venue]["some_key"] == "a=b");  // the value may hold '='
  CHECK(error_of([&] { sim::apply_port_spec(cfg, venue + "=65536", false); }) ==
        "ws port of " + venue + " must be -1 (off), 0 (pick a free one) or 1..65535, got '65536'");
  CHECK(error_of([&] { sim::apply_port_spec(cfg, venue, true); }) ==
        "wss port needs <venue>=<port>: '" + venue + "'");
  CHECK(error_of([&] {
          sim::apply_port_spec(cfg, "nope=1", true);
        }).starts_with("unknown venue 'nope' ("));
  CHECK(error_of([&] { sim::apply_option_spec(cfg, venue + "=1"); }) ==
        "option needs <venue>.<key>=<value>: '" + venue + "=1'");
  CHECK(error_of([&] {
          sim::apply_option_spec(cfg, "nope.k=1");
        }).starts_with("unknown venue 'nope' ("));
}

TEST_CASE("the simulator rejects a bad option of a venue it does not even serve",
          "[sim][modules]") {
  const auto modules = sim::venue_modules();
  REQUIRE(modules.size() >= 2);
  auto cfg = test_config(3, {std::string(modules[0]->name)});
  const std::string other(modules[1]->name);
  cfg.options[other]["no_such_key"] = "1";
  const std::string err = error_of([&] { sim::Simulator s(cfg); });
  CHECK(err.starts_with("unknown option " + other + ".no_such_key ("));
  cfg.options.clear();
  cfg.venues = {"nope"};
  CHECK(error_of([&] { sim::Simulator s(cfg); }).starts_with("unknown venue 'nope' ("));
}

TEST_CASE("a venue serves its module's transport, WebSocket or SSE", "[sim][modules]") {
  const sim::VenueModule& ws = *sim::venue_modules().front();
  sim::VenueModule sse = ws;
  sse.name = "sse-demo";
  sse.transport = sim::Transport::sse;
  const std::unique_ptr<sim::Venue> venue =
      sse.make(sse, sim::VenueOptions{}, sim::ModuleOptions(sse.name, sse.options, {}));
  CHECK(venue->name() == "sse-demo");
  boost::asio::io_context io;
  // SSE is served too (chunked text/event-stream, server.cpp).
  sim::Listener sse_listener(io, *venue, "127.0.0.1", 0, nullptr);
  CHECK(sse_listener.port() != 0);
  const std::unique_ptr<sim::Venue> plain =
      ws.make(ws, sim::VenueOptions{}, sim::ModuleOptions(ws.name, ws.options, {}));
  sim::Listener l(io, *plain, "127.0.0.1", 0, nullptr);
  CHECK(l.port() != 0);
}

TEST_CASE("fault specs reach the venues they name and, unscoped, every module", "[sim][modules]") {
  sim::FaultConfig cfg;
  const auto modules = sim::venue_modules();
  const std::string first(modules.front()->name);
  sim::apply_fault_spec(cfg, "dup=0.25");
  sim::apply_fault_spec(cfg, first + ":drop=0.5");
  auto rate = [&](std::string_view venue, sim::FaultKind k) {
    return cfg.of(venue).defaults.rate[static_cast<std::size_t>(k)];
  };
  for (const sim::VenueModule* m : modules) {
    INFO("module " << m->name);
    CHECK(rate(m->name, sim::FaultKind::dup) == 0.25);
    CHECK(rate(m->name, sim::FaultKind::drop) == (m->name == first ? 0.5 : 0.0));
  }
  CHECK(!cfg.of("not-a-module").any());
}

TEST_CASE("a capture line must name a simulator module", "[sim][modules]") {
  const std::string path = "/tmp/wirebook-sim-badcap-" + std::to_string(::getpid()) + ".jsonl";
  const std::string venue(sim::venue_modules().front()->name);
  {
    std::ofstream out(path);
    out << sim::capture_line(1, venue, "{}") << "\n" << sim::capture_line(2, "nope", "{}") << "\n";
  }
  std::string err;
  try {
    (void)sim::load_capture(path);
  } catch (const std::runtime_error& e) {
    err = e.what();
  }
  std::remove(path.c_str());
  CHECK(err == path + ":2: venue must be a simulator module (" + sim::module_names() + ")");
}
