#include <fmt/format.h>

#include <memory>

#include "core/cli/commands.h"
#include "core/config/experiment_config.h"
#include "core/train/experiment.h"

namespace attune::cli {

CommandRunner add_schedule_command(CLI::App& app) {
  struct Arguments {
    ExperimentArguments experiment;
    int64_t ticks = 0;
    std::string plot;
  };
  auto args = std::make_shared<Arguments>();
  auto* command = app.add_subcommand("schedule", "print the learning-rate schedule as CSV tick,lr; train nothing");
  add_experiment_arguments(*command, args->experiment);
  command->add_option("--ticks", args->ticks, "ticks to print after tick 0 (default: the whole run)");
  return [args]() {
    args->experiment.split();
    const auto loaded =
        load_experiment(args->experiment.experiment, args->experiment.overrides, args->experiment.plugins);
    const auto& config = loaded.config;
    // The run's length needs the training split's size.
    const auto data = config.data.create({static_cast<uint64_t>(config.seed), {}});
    const int64_t steps = steps_per_epoch(data->train().size(), config.train.batch_size, config.train.drop_last);
    const OptimizerArgs groups = placeholder_param_groups(config.optimizer);
    const auto optimizer = build_optimizer(config.optimizer, groups);
    LrSchedule schedule(config.scheduler, *optimizer, steps, config.train.epochs);
    const int64_t ticks = args->ticks > 0 ? args->ticks : schedule.total_ticks();
    const auto names = group_names(groups);

    std::string header = "tick";
    for (const auto& name : names) header += names.size() == 1 ? ",lr" : ",lr_" + name;
    fmt::print("{}\n", header);
    auto print_row = [&](int64_t tick) {
      std::string row = std::to_string(tick);
      for (double lr : schedule.scheduler().last_lrs()) row += fmt::format(",{}", lr);
      fmt::print("{}\n", row);
    };
    print_row(0);
    for (int64_t tick = 1; tick <= ticks; ++tick) {
      schedule.scheduler().step();
      print_row(tick);
    }
    return 0;
  };
}

}  // namespace attune::cli
