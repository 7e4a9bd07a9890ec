#include <fmt/format.h>

#include <memory>

#include "core/cli/commands.h"
#include "core/io/atomic_file.h"
#include "core/train/interrupt.h"
#include "core/train/trainer.h"

namespace attune::cli {
namespace {

struct TrainArguments {
  ExperimentArguments experiment;
  std::string run_dir;
  std::string resume;
  std::string device;
};

/// Trains and prints summary.json (rank 0 alone in a data-parallel job).
int train(Experiment& experiment, const std::string& run_dir, bool resume) {
  Trainer trainer(experiment, RunDirectory(run_dir));
  trainer.handle_interrupts(true);
  const auto summary = trainer.fit(resume);
  if (!experiment.distributed || experiment.distributed->is_main()) fmt::print("{}\n", summary.to_json().dump(2));
  // Stopped by a signal (checkpoint written): exit as shells report it, 128 + signal.
  if (summary.interrupted) return 128 + interrupt_requested();
  return 0;
}

}  // namespace

/// Loads a run folder's config.yaml and labels, as `--resume` and `eval` need,
/// on `device` when given (a run trained on a GPU, on another machine).
Experiment load_run(const std::string& run_dir, const std::vector<std::string>& plugins, bool join_job,
                    const std::string& device) {
  const std::string config_path = run_dir + "/config.yaml";
  if (!std::filesystem::exists(config_path)) {
    input_error("{}: not a run folder (no config.yaml)", run_dir);
  }
  BuildOptions options;
  options.label_names = RunDirectory(run_dir).read_labels();
  std::vector<std::string> overrides;
  if (!device.empty()) overrides.push_back("device=" + device);
  const auto loaded = load_experiment(config_path, overrides, plugins);
  if (join_job) options.distributed = join_distributed_job(loaded.config);
  return build_experiment(loaded, options);
}

CommandRunner add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArguments>();
  auto* command = app.add_subcommand("train", "train a model from an experiment YAML (or resume a run)");
  add_experiment_arguments(*command, args->experiment, /*required=*/false);
  command->add_option("--run-dir", args->run_dir, "where the run writes (default: runs/<name>-<date>-<time>)");
  command->add_option("--resume", args->resume, "continue the run in this folder from its last checkpoint");
  command->add_option("--device", args->device,
                      "with --resume: continue on this device (cpu, cuda, cuda:N) instead of the run's own");
  return [args]() {
    args->experiment.split();
    if (!args->resume.empty()) {
      if (!args->experiment.experiment.empty() || !args->experiment.overrides.empty()) {
        input_error("--resume continues a run with its own config.yaml: give no experiment file or overrides");
      }
      // A rank that cannot read the run tells the others waiting for it at the rendezvous.
      Experiment experiment = report_failure_to_job(
          [&] { return load_run(args->resume, args->experiment.plugins, /*join_job=*/true, args->device); });
      return train(experiment, args->resume, /*resume=*/true);
    }
    if (args->experiment.experiment.empty()) input_error("train: give an experiment YAML or --resume RUN_DIR");
    if (!args->device.empty())
      input_error("--device is for --resume; for a new run, override it: device={}", args->device);
    // A rank that cannot read the experiment tells the others waiting for it at the rendezvous.
    const auto loaded = report_failure_to_job([&] {
      return load_experiment(args->experiment.experiment, args->experiment.overrides, args->experiment.plugins);
    });
    BuildOptions options;
    options.distributed = join_distributed_job(loaded.config);
    Experiment experiment = build_experiment(loaded, options);
    if (options.distributed) {
      // Rank 0 names the folder for all (the ranks' clocks may differ); a
      // restarted torchrun attempt continues its job's run.
      const auto folder = options.distributed->run_folder(args->run_dir, loaded.config.name);
      return train(experiment, folder.path, folder.resume);
    }
    std::string run_dir = args->run_dir.empty() ? RunDirectory::default_path(loaded.config.name) : args->run_dir;
    return train(experiment, run_dir, /*resume=*/false);
  };
}

}  // namespace attune::cli
