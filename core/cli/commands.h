#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace attune::cli {

/// Each command adds its subcommand to the app and returns what runs it once
/// parsing is done. Running returns the exit code; errors are exceptions.
using CommandRunner = std::function<int()>;

CommandRunner add_train_command(CLI::App& app);
CommandRunner add_check_command(CLI::App& app);
CommandRunner add_list_command(CLI::App& app);
CommandRunner add_schedule_command(CLI::App& app);
CommandRunner add_eval_command(CLI::App& app);
CommandRunner add_predict_command(CLI::App& app);
CommandRunner add_export_command(CLI::App& app);
CommandRunner add_docs_command(CLI::App& app);
CommandRunner add_embed_command(CLI::App& app);
CommandRunner add_sweep_command(CLI::App& app);
CommandRunner add_sweep_worker_command(CLI::App& app);
CommandRunner add_tokenize_command(CLI::App& app);
CommandRunner add_launch_command(CLI::App& app);
CommandRunner add_plot_command(CLI::App& app);
CommandRunner add_lr_find_command(CLI::App& app);

/// Splits positional arguments into the experiment file and `key=value`
/// overrides.
struct ExperimentArguments {
  std::vector<std::string> positionals;
  std::string experiment;
  std::vector<std::string> overrides;
  std::vector<std::string> plugins;
  /// Splits the positionals into the file and the overrides (an InputError
  /// for a stray word that is neither). Runners call it first.
  void split();
};
/// Adds `--plugin LIB` (repeatable) to a subcommand.
void add_plugin_option(CLI::App& command, std::vector<std::string>& plugins);
/// Adds `--checkpoint best|last|PATH` (which of a run's weights) to a subcommand.
void add_checkpoint_option(CLI::App& command, std::string& checkpoint);

/// Adds `EXP.yaml [k=v ...]` and `--plugin` to a subcommand.
void add_experiment_arguments(CLI::App& command, ExperimentArguments& args, bool required = true);

}  // namespace attune::cli
