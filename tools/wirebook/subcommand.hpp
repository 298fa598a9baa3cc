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

void setup_sim(CLI::App& app, int& exit_code);

}  // namespace wirebook::cli
