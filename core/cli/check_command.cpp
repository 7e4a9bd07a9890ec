#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (in ranges.h from fmt 10 on)

#include <memory>

#include "core/cli/commands.h"
#include "core/config/experiment_config.h"
#include "core/train/experiment.h"

namespace attune::cli {

CommandRunner add_check_command(CLI::App& app) {
  struct Arguments {
    ExperimentArguments experiment;
    bool init = false;
  };
  auto args = std::make_shared<Arguments>();
  auto* command = app.add_subcommand("check", "validate an experiment and print its resolved config; run nothing");
  add_experiment_arguments(*command, args->experiment);
  command->add_flag("--init", args->init, "also build the model and print which initializer each parameter got");
  return [args]() {
    args->experiment.split();
    const auto loaded =
        load_experiment(args->experiment.experiment, args->experiment.overrides, args->experiment.plugins);
    fmt::print("{}", to_yaml(loaded.resolved));
    if (args->init) {
      const Experiment experiment = build_experiment(loaded);
      fmt::print("\n# init report: parameter, shape, rule, initializer, mean, std\n");
      for (const auto& row : experiment.init_report) {
        fmt::print("# {:<48} {:<12} {:>8} {:<16} {:>10.4f} {:>10.4f} {}\n", row.name,
                   fmt::format("[{}]", fmt::join(row.shape, ",")), row.rule < 0 ? "-" : row.rule_label, row.initializer,
                   row.mean, row.std, row.note);
      }
    }
    return 0;
  };
}

}  // namespace attune::cli
