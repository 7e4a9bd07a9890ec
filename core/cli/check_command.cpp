#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join (in ranges.h from fmt 10 on)

#include <memory>

#include "core/cli/commands.h"
#include "core/experiment/experiment.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/model_size.h"
#include "core/system/memory.h"

namespace attune::cli {
namespace {

/// The `# model:` lines: the built model's parameter count (the model's own
/// count from its options agrees; a plugin model may have none) and what
/// training it takes against what the run's device has.
void print_model_size(const Experiment& experiment) {
  const ExperimentConfig& config = experiment.config();
  int64_t parameters = 0;
  for (const auto& parameter : experiment.model->parameters()) parameters += parameter.numel();
  const TrainingFootprint footprint = training_footprint(config, config.model.type, parameters);
  fmt::print("\n# model: {}, {} parameters ({} float32)\n", config.model.type, with_thousands(parameters),
             format_bytes(footprint.parameter_bytes));
  std::string room;
  const auto device = device_if_present(config.device);
  if (!device) {
    room = fmt::format("device `{}` is not on this machine, so its memory was not checked", config.device);
  } else if (device->is_cuda()) {
    const int index = device->has_index() ? device->index() : 0;
    const auto memory = cuda_device_memory(index);
    room = memory ? fmt::format("CUDA device {} has {}", index, format_bytes(memory->bytes))
                  : fmt::format("the memory of CUDA device {} could not be read", index);
  } else {
    const auto memory = available_host_memory();
    room = memory ? fmt::format("the CPU has {} available", format_bytes(memory->bytes))
                  : "the CPU's available memory could not be read";
  }
  fmt::print("# training takes at least {} ({}); {}\n", format_bytes(footprint.bytes), footprint.counted, room);
}

}  // namespace

CommandRunner add_check_command(CLI::App& app) {
  struct Arguments {
    ExperimentArguments experiment;
    bool init = false;
  };
  auto args = std::make_shared<Arguments>();
  auto* command = app.add_subcommand(
      "check",
      "validate an experiment as `train` would before its first step (data, model on the CPU, init rules, "
      "optimizer, scheduler) and print its resolved config and size; train nothing");
  add_experiment_arguments(*command, args->experiment);
  command->add_flag("--init", args->init, "also print which initializer each parameter got");
  return [args]() {
    args->experiment.split();
    const auto loaded =
        load_experiment(args->experiment.experiment, args->experiment.overrides, args->experiment.plugins);
    fmt::print("{}", to_yaml(loaded.resolved));
    std::fflush(stdout);  // the config first, also when building then fails
    // Everything `train` builds before its first step, so that check refuses
    // what train would: on the CPU (a CUDA config can be checked on a laptop)
    // and never as a rank of a data-parallel job.
    BuildOptions options;
    options.on_cpu = true;
    const Experiment experiment = build_experiment(loaded, options);
    print_model_size(experiment);
    if (args->init) {
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
