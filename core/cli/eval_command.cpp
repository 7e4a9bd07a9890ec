#include <fmt/format.h>

#include <memory>

#include "core/cli/commands.h"
#include "core/data/permutation.h"
#include "core/metrics/metric_names.h"
#include "core/predict/trained_model.h"
#include "core/train/checkpoint.h"
#include "core/train/evaluate.h"
#include "core/train/trainer.h"

namespace attune::cli {

Experiment load_run(const std::string& run_dir, const std::vector<std::string>& plugins, bool join_job,
                    const std::string& device);

namespace {

struct EvalArguments {
  std::string folder;
  std::string data;
  std::string checkpoint = "best";
  std::vector<std::string> plugins;
  std::string device;
};

int print_evaluation(const Experiment& experiment, const Subset& subset) {
  const auto& config = experiment.config();
  const auto result = evaluate(*experiment.model, subset, experiment.scoring, config.train.eval_batch_size,
                               experiment.device, nullptr, config.precision);
  nlohmann::json json{{metric::val_loss, result.loss}, {"examples", result.examples}};
  for (const auto& [column, value] : result.metrics) json[column] = value;
  fmt::print("{}\n", json.dump(2));
  return 0;
}

// A run's validation split needs its training files (the split may be a held-out share of them).
int evaluate_validation_split(const EvalArguments& args) {
  if (is_export_folder(args.folder)) {
    input_error("{} is an export: it holds no validation split; evaluate it on a labelled file with --data FILE",
                args.folder);
  }
  const std::string checkpoint = run_checkpoint(args.folder, args.checkpoint);
  Experiment experiment = load_run(args.folder, args.plugins, /*join_job=*/false, args.device);
  load_checkpoint(checkpoint, *experiment.model, nullptr, /*restore_rng=*/false);
  return print_evaluation(experiment, experiment.valid_data);
}

}  // namespace

CommandRunner add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArguments>();
  auto* command = app.add_subcommand("eval", "evaluate a run's checkpoint (or an export) on labelled data");
  command->add_option("folder", args->folder, "run folder or export")->required();
  command->add_option("--data", args->data, "evaluate on this labelled file instead of the validation split");
  add_checkpoint_option(*command, args->checkpoint);
  command->add_option("--device", args->device,
                      "evaluate on this device (cpu, cuda, cuda:N) instead of the run's own; checkpoints written on "
                      "any device load");
  add_plugin_option(*command, args->plugins);
  return [args]() {
    if (args->data.empty()) return evaluate_validation_split(*args);
    const TrainedModel trained = load_trained_model(args->folder, {args->checkpoint, args->device, args->plugins});
    const auto dataset = trained.experiment.data->read_file(args->data, Labels::required);
    return print_evaluation(trained.experiment, {dataset.get(), index_range(0, dataset->size())});
  };
}

}  // namespace attune::cli
