#pragma once
// The `wirebook` CLI's subcommand registry: an explicit table (main.cpp) of
// {name, setup}. A setup function adds its CLI11 subcommand to the app and
// installs a callback that runs it and stores the process exit code.
#include <CLI/CLI.hpp>

namespace wirebook::cli {

using SetupFn = void (*)(CLI::App& app, int& exit_code);

struct Subcommand {
  const char* name;
  SetupFn setup;
};

void setup_sim(CLI::App& app, int& exit_code);           // sim_command.cpp
void setup_dump(CLI::App& app, int& exit_code);          // dump_command.cpp
void setup_status(CLI::App& app, int& exit_code);        // status_command.cpp
void setup_tail(CLI::App& app, int& exit_code);          // tail_command.cpp
void setup_top(CLI::App& app, int& exit_code);           // top_command.cpp
void setup_bridge(CLI::App& app, int& exit_code);        // bridge_command.cpp
void setup_mirror(CLI::App& app, int& exit_code);        // mirror_command.cpp
void setup_positions(CLI::App& app, int& exit_code);     // positions_command.cpp
void setup_replay(CLI::App& app, int& exit_code);        // replay_command.cpp
void setup_consolidated(CLI::App& app, int& exit_code);  // consolidated_command.cpp

}  // namespace wirebook::cli
