// `wirebook`: one CLI, git-style subcommands (DESIGN.md §7).
#include <cstdio>
#include <exception>

#include "tools/wirebook/subcommand.hpp"

namespace {

// Adding a subcommand (record, replay) is one line here plus its setup function.
constexpr wirebook::cli::Subcommand kSubcommands[] = {
    {"sim", &wirebook::cli::setup_sim},       {"dump", &wirebook::cli::setup_dump},
    {"status", &wirebook::cli::setup_status}, {"tail", &wirebook::cli::setup_tail},
    {"top", &wirebook::cli::setup_top},       {"bridge", &wirebook::cli::setup_bridge},
    {"mirror", &wirebook::cli::setup_mirror}, {"positions", &wirebook::cli::setup_positions},
    {"replay", &wirebook::cli::setup_replay}, {"consolidated", &wirebook::cli::setup_consolidated},
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wirebook: low-latency market-data feed handler tools"};
  app.require_subcommand(1);
  int exit_code = 0;
  for (const auto& sc : kSubcommands) sc.setup(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wirebook: %s\n", e.what());
    return 1;
  }
  return exit_code;
}
