#include <memory>

#include "core/cli/commands.h"
#include "core/sweep/sweep_runner.h"

namespace attune::cli {

CommandRunner add_sweep_command(CLI::App& app) {
  struct Arguments {
    ExperimentArguments experiment;
    std::string sweep_dir, storage;
    int64_t workers = 0;
  };
  auto args = std::make_shared<Arguments>();
  auto* command = app.add_subcommand(
      "sweep",
      "hyperparameter search over the experiment's `search:` section (run it again to resume it, or with more "
      "trials or grid values to grow it)");
  add_experiment_arguments(*command, args->experiment);
  command->add_option("--sweep-dir", args->sweep_dir, "where the sweep writes (default: sweeps/<name>)");
  command->add_option("--workers", args->workers, "trials run at once as processes (default: search.workers)")
      ->check(CLI::PositiveNumber);
  command->add_option("--storage", args->storage,
                      "trial store URL (default: SQLite in the sweep folder; postgresql://user@host:port/db shares a "
                      "sweep between machines)");
  return [args]() {
    args->experiment.split();
    SweepOptions options;
    options.experiment = args->experiment.experiment;
    options.overrides = args->experiment.overrides;
    options.plugins = args->experiment.plugins;
    options.sweep_dir = args->sweep_dir;
    options.storage = args->storage;
    options.workers = args->workers;
    return run_sweep(options);
  };
}

CommandRunner add_sweep_worker_command(CLI::App& app) {
  struct Arguments {
    std::string spec;
    int index = 0, threads = 1;
  };
  auto args = std::make_shared<Arguments>();
  auto* command = app.add_subcommand("sweep-worker", "");  // started by `attune sweep`; hidden
  command->group("");
  command->add_option("spec", args->spec, "the sweep's sweep.json")->required();
  command->add_option("--index", args->index, "worker number");
  command->add_option("--threads", args->threads, "CPU threads");
  return [args]() { return run_sweep_worker_process(args->spec, args->index, args->threads); };
}

}  // namespace attune::cli
