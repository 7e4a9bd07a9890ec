#pragma once

#include <torch/optim/optimizer.h>

#include <memory>
#include <string>
#include <vector>

#include "core/distributed/distributed.h"
#include "core/experiment/experiment_config.h"

namespace attune {

/// How a run is scored: the training objective, which evaluations report as
/// val_loss, and `train.metrics`, each a val_<name> column.
struct Scoring {
  std::shared_ptr<const Loss> loss;
  std::vector<EvaluatedMetric> metrics;
};

/// Builds `train.loss` and `train.metrics` for data of `spec`; a loss of the
/// other task (cross_entropy of a regression) is refused with what to use.
Scoring build_scoring(const TrainConfig& train, const DataSpec& spec);

/// Everything one training needs, built from a loaded config in the order
/// the flow runs: data -> model -> init rules -> optimizer -> scheduler.
struct Experiment {
  LoadedExperiment loaded;
  torch::Device device = torch::kCPU;
  std::shared_ptr<DataModule> data;
  Subset train_data;
  Subset valid_data;
  std::shared_ptr<Model> model;
  Scoring scoring;
  std::vector<InitReportRow> init_report;
  std::shared_ptr<torch::optim::Optimizer> optimizer;
  std::vector<std::string> group_names;
  std::unique_ptr<LrSchedule> schedule;
  int64_t steps_per_epoch = 0;
  int64_t epochs = 0;       // train.epochs, or the epochs train.max_steps reaches into
  int64_t total_steps = 0;  // optimizer steps of the whole run
  /// Set when this process is one rank of a data-parallel job.
  std::shared_ptr<Distributed> distributed;

  const ExperimentConfig& config() const { return loaded.config; }
};

/// How build_experiment deviates from the config.
struct BuildOptions {
  /// Label names of an earlier run, so that ids keep their meaning.
  std::vector<std::string> label_names;
  /// A data module already built for the same `data:` section (sweeps reuse
  /// one across trials instead of reading and tokenizing again).
  std::shared_ptr<DataModule> data;
  /// Positions in the training split to train and validate on instead of the
  /// splits (a cross-validation fold).
  std::optional<std::pair<std::vector<int64_t>, std::vector<int64_t>>> fold;
  /// This process's rank in a data-parallel job: `train.batch_size` is then
  /// per rank, the model starts from rank 0's weights, and each CUDA rank
  /// takes the device of its LOCAL_RANK.
  std::shared_ptr<Distributed> distributed;
  /// Build everything on the CPU whatever `device:` says, needing no CUDA
  /// (`attune check`); the device is still validated, and the model's size
  /// checked against it, where this machine has it.
  bool on_cpu = false;
  /// Build the data's inputs side and the model only, to load trained
  /// weights into (predict, export): no training files read, no init rules,
  /// optimizer or schedule. Needs `label_names`.
  bool inputs_only = false;
};

/// Joins the data-parallel job described by torchrun's environment variables
/// (see distributed_environment); nullptr for a plain single-process run.
std::shared_ptr<Distributed> join_distributed_job(const ExperimentConfig& config);

/// Builds the experiment. Throws InputError on anything the config names but
/// cannot be used (unreadable data, a rule matching no parameter, ...).
Experiment build_experiment(const LoadedExperiment& loaded, const BuildOptions& options = {});

/// Resolves `device: auto|cpu|cuda|cuda:N`; asking for CUDA where there is
/// none is an InputError.
torch::Device resolve_device(const std::string& device);

/// Optimizer steps in one epoch over `examples` examples.
int64_t steps_per_epoch(int64_t examples, int64_t batch_size, bool drop_last);

/// How long a run trains over `examples` examples with `ranks` processes.
struct RunLength {
  int64_t steps_per_epoch = 0;  // each of batch_size x accumulate_steps x ranks examples
  int64_t epochs = 0;           // train.epochs, or as many as train.max_steps reaches into
  int64_t total_steps = 0;      // epochs x steps_per_epoch, or train.max_steps
};
/// An InputError when the batch leaves no step (drop_last with too few examples).
RunLength run_length(const TrainConfig& train, int64_t examples, int64_t ranks);

/// Sets LibTorch's intra-op threads (0 = attune's default for this machine).
void configure_threads(int64_t threads);

}  // namespace attune
