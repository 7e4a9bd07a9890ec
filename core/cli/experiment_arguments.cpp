#include "core/cli/commands.h"
#include "core/error.h"

namespace attune::cli {

void ExperimentArguments::split() {
  experiment.clear();
  overrides.clear();
  for (const auto& item : positionals) {
    if (item.find('=') != std::string::npos) {
      overrides.push_back(item);
    } else if (experiment.empty()) {
      experiment = item;
    } else {
      input_error("unexpected argument `{}`: overrides are written key=value (e.g. optimizer.lr=0.001)", item);
    }
  }
}

void add_experiment_arguments(CLI::App& command, ExperimentArguments& args, bool required) {
  auto* option = command.add_option("experiment", args.positionals,
                                    "experiment YAML, then key=value overrides (dotted keys: optimizer.lr=0.001)");
  if (required) option->required();
  add_plugin_option(command, args.plugins);
}

void add_plugin_option(CLI::App& command, std::vector<std::string>& plugins) {
  command.add_option("--plugin", plugins, "plugin shared library to load (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void add_checkpoint_option(CLI::App& command, std::string& checkpoint) {
  command.add_option("--checkpoint", checkpoint, "best, last, or a checkpoint file (a run's; an export has one)");
}

}  // namespace attune::cli
