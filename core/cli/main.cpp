// `attune`: the command line. Only here do errors become messages and exit
// codes (0 success, 1 failure, 2 bad input).
#include <fmt/format.h>

#include <iostream>

#include "core/cli/commands.h"
#include "core/error.h"

namespace {

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"attune: train and tune self-attention models from one YAML file", "attune"};
  app.set_version_flag("--version", "attune 0.1.0");
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, attune::cli::CommandRunner>> commands;
  auto add = [&](attune::cli::CommandRunner (*adder)(CLI::App&)) {
    auto runner = adder(app);
    commands.emplace_back(app.get_subcommands({}).back(), std::move(runner));
  };
  add(attune::cli::add_train_command);
  add(attune::cli::add_eval_command);
  add(attune::cli::add_launch_command);
  add(attune::cli::add_sweep_command);
  add(attune::cli::add_sweep_worker_command);
  add(attune::cli::add_check_command);
  add(attune::cli::add_schedule_command);
  add(attune::cli::add_plot_command);
  add(attune::cli::add_list_command);
  add(attune::cli::add_embed_command);
  add(attune::cli::add_tokenize_command);
  add(attune::cli::add_docs_command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : attune::kExitBadInput;
  }
  try {
    for (auto& [command, run] : commands) {
      if (command->parsed()) return run();
    }
    return attune::kExitFailure;
  } catch (const attune::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    // LibTorch errors carry a backtrace after the first line: users need the line.
    fmt::print(stderr, "error: {}\n", first_line(e.what()));
    return attune::kExitFailure;
  }
}
