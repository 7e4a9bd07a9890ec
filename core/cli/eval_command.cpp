#include <fmt/format.h>

#include <memory>

#include "core/cli/commands.h"
#include "core/metrics/metric_names.h"
#include "core/train/checkpoint.h"
#include "core/train/evaluate.h"
#include "core/train/trainer.h"

namespace attune::cli {

Experiment load_run(const std::string& run_dir, const std::vector<std::string>& plugins, bool join_job,
                    const std::string& device);

CommandRunner add_eval_command(CLI::App& app) {
  struct Arguments {
    std::string run_dir;
    std::string data;
    std::vector<std::string> plugins;
    std::string device;
  };
  auto args = std::make_shared<Arguments>();
  auto* command = app.add_subcommand("eval", "evaluate the best checkpoint of a run");
  command->add_option("run_dir", args->run_dir, "run folder")->required();
  command->add_option("--data", args->data, "evaluate on this file instead of the validation split");
  command->add_option("--device", args->device,
                      "evaluate on this device (cpu, cuda, cuda:N) instead of the run's own; checkpoints written on "
                      "any device load");
  command->add_option("--plugin", args->plugins, "plugin shared library to load (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  return [args]() {
    Experiment experiment = load_run(args->run_dir, args->plugins, /*join_job=*/false, args->device);
    const RunDirectory run(args->run_dir);
    load_checkpoint(run.best_checkpoint(), *experiment.model, nullptr, /*restore_rng=*/false);
    std::shared_ptr<Dataset> extra;
    Subset subset = experiment.valid_data;
    if (!args->data.empty()) {
      extra = experiment.data->load_extra(args->data);
      subset.dataset = extra.get();
      subset.indices.resize(static_cast<size_t>(extra->size()));
      for (size_t i = 0; i < subset.indices.size(); ++i) subset.indices[i] = static_cast<int64_t>(i);
    }
    const auto result =
        evaluate(*experiment.model, subset, experiment.config().train.eval_batch_size, experiment.device);
    nlohmann::json json{
        {metric::val_accuracy, result.accuracy}, {metric::val_loss, result.loss}, {"examples", result.examples}};
    fmt::print("{}\n", json.dump(2));
    return 0;
  };
}

}  // namespace attune::cli
