#include "core/experiment/experiment.h"

#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include <cstdio>

#include "core/experiment/model_size.h"
#include "core/system/cpu_features.h"

namespace attune {

torch::Device resolve_device(const std::string& device) {
  if (device == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  if (device == "cpu") return torch::kCPU;
  if (!torch::cuda::is_available()) {
    input_error(
        "device `{}`: this machine has no CUDA device (or LibTorch was built without CUDA); use "
        "`device: cpu` or `auto`",
        device);
  }
  const torch::Device result(device);
  if (result.has_index() && result.index() >= static_cast<int>(torch::cuda::device_count())) {
    input_error("device `{}`: this machine has {} CUDA device(s)", device, torch::cuda::device_count());
  }
  return result;
}

int64_t steps_per_epoch(int64_t examples, int64_t batch_size, bool drop_last) {
  return drop_last ? examples / batch_size : (examples + batch_size - 1) / batch_size;
}

RunLength run_length(const TrainConfig& train, int64_t examples, int64_t ranks) {
  RunLength length;
  const int64_t step_examples = train.batch_size * train.accumulate_steps * ranks;
  length.steps_per_epoch = steps_per_epoch(examples, step_examples, train.drop_last);
  if (length.steps_per_epoch == 0) {
    input_error("train.batch_size {} with drop_last leaves no batch from {} training examples (a step takes {})",
                train.batch_size, examples, step_examples);
  }
  if (train.max_steps > 0) {
    length.total_steps = train.max_steps;
    length.epochs = (train.max_steps + length.steps_per_epoch - 1) / length.steps_per_epoch;
  } else {
    length.epochs = train.epochs;
    length.total_steps = train.epochs * length.steps_per_epoch;
  }
  return length;
}

void configure_threads(int64_t threads) {
  // LibTorch's own default here is one intra-op thread while OpenBLAS runs its
  // own pool; more intra-op threads on top oversubscribe the cores.
  if (threads > 0) at::set_num_threads(static_cast<int>(threads));
}

std::shared_ptr<Distributed> join_distributed_job(const ExperimentConfig& config) {
  // A rank that cannot join (its environment, its device) tells the others waiting for it.
  return report_failure_to_job([&]() -> std::shared_ptr<Distributed> {
    const auto environment = distributed_environment();
    if (!environment) return nullptr;
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(config.distributed.timeout_seconds * 1000));
    return Distributed::connect(*environment, resolve_device(config.device), config.distributed.backend, timeout);
  });
}

Scoring build_scoring(const TrainConfig& train, const DataSpec& spec) {
  Scoring scoring;
  LossArgs args;
  if (spec.task == Task::classification) args.num_classes = spec.num_classes;
  scoring.loss = train.loss.create(args);
  if (scoring.loss->task() != spec.task) {
    input_error("train.loss: `{}` is a {} loss but this data is a {}; {}", train.loss.type,
                task_name(scoring.loss->task()), task_name(spec.task),
                spec.task == Task::regression ? "use mse or huber" : "use cross_entropy");
  }
  scoring.metrics = build_metrics(train.metrics, spec);
  return scoring;
}

namespace {

/// fp16 trains on CUDA only; bf16 on a CPU without fast bfloat16 matmuls
/// trains, with a warning (once a process: a sweep builds many experiments).
void check_precision_on(Precision precision, const std::optional<c10::Device>& trains_on) {
  if (!trains_on || !trains_on->is_cpu()) return;
  if (precision == Precision::fp16) {
    input_error(
        "precision: fp16 trains on CUDA only (float16 autocast and its loss scaling are for GPUs; on the CPU it "
        "would be slow and LibTorch 1.13 has no float16 CPU autocast). Use {} or `device: cuda`",
        cpu_has_fast_bfloat16() ? "`precision: bf16` on the CPU"
                                : "`precision: fp32` on this CPU (it lacks the instructions that make bf16 fast)");
  }
  static bool warned = false;
  if (precision == Precision::bf16 && !warned && !cpu_has_fast_bfloat16()) {
    warned = true;
    fmt::print(stderr,
               "warning: precision: bf16 on this CPU, which has neither AVX-512 nor bfloat16 instructions: LibTorch's "
               "bfloat16 matmuls fall back to generic loops here, many times slower than float32 (`precision: fp32` "
               "is the fast choice on this machine)\n");
  }
}

}  // namespace

Experiment build_experiment(const LoadedExperiment& loaded, const BuildOptions& options) {
  Experiment e;
  e.loaded = loaded;
  const ExperimentConfig& config = loaded.config;
  configure_threads(config.threads);
  e.device = options.on_cpu ? torch::Device(torch::kCPU) : resolve_device(config.device);
  e.distributed = options.distributed;
  if (e.distributed && e.device.is_cuda() && !e.device.has_index()) {
    e.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(e.distributed->local_rank()));
  }
  if (!options.inputs_only) {
    // Predicting on a CPU from a mixed-precision run is fine (float32 there); training is what is checked.
    check_precision_on(config.precision,
                       options.on_cpu ? device_if_present(config.device) : std::optional<c10::Device>(e.device));
  }
  torch::manual_seed(static_cast<uint64_t>(config.seed));

  DataArgs data_args{static_cast<uint64_t>(config.seed), options.label_names, options.inputs_only};
  e.data = options.data ? options.data : config.data.create(data_args);
  e.scoring = build_scoring(config.train, e.data->spec());
  if (options.inputs_only) {
    e.model = config.model.create(e.data->spec());
    e.model->to(e.device);
    e.model->eval();
    return e;
  }
  e.train_data = e.data->train();
  e.valid_data = e.data->valid();
  if (options.fold) {
    const Subset whole = e.train_data;
    auto pick = [&](const std::vector<int64_t>& positions) {
      Subset subset{whole.dataset, {}};
      for (int64_t p : positions) subset.indices.push_back(whole.indices.at(static_cast<size_t>(p)));
      return subset;
    };
    e.train_data = pick(options.fold->first);
    e.valid_data = pick(options.fold->second);
  }
  if (e.train_data.size() == 0) input_error("data: the training split is empty");
  if (e.valid_data.size() == 0) input_error("data: the validation split is empty");

  // Refuse a model too big for where it would train before any of it exists.
  check_model_fits(config, e.data->spec(), options.on_cpu ? device_if_present(config.device) : e.device);
  e.model = config.model.create(e.data->spec());
  e.init_report = apply_init_rules(*e.model, config.init, e.model->default_init_rules());
  e.model->to(e.device);
  if (e.distributed) {
    // Every rank starts from rank 0's weights (as DDP does), whatever each
    // rank's initializers or files gave.
    std::vector<torch::Tensor> state = e.model->parameters();
    for (const auto& buffer : e.model->buffers()) state.push_back(buffer);
    e.distributed->broadcast(state);
  }

  std::vector<std::pair<ParamInfo, torch::Tensor>> trainable;
  for (auto& described : describe_parameters(*e.model)) {
    if (described.second.requires_grad()) trainable.push_back(std::move(described));
  }
  const OptimizerArgs groups = assign_param_groups(config.optimizer, trainable);
  e.group_names = group_names(groups);
  e.optimizer = build_optimizer(config.optimizer, groups);

  // One step takes a global batch: batch_size x accumulate_steps examples on each rank.
  const RunLength length =
      run_length(config.train, e.train_data.size(), e.distributed ? e.distributed->world_size() : 1);
  e.steps_per_epoch = length.steps_per_epoch;
  e.epochs = length.epochs;
  e.total_steps = length.total_steps;
  e.schedule = std::make_unique<LrSchedule>(config.scheduler, *e.optimizer, e.steps_per_epoch, e.epochs,
                                            config.train.early_stopping.metric,
                                            column_goal(config.train.early_stopping.metric), e.total_steps);
  return e;
}

}  // namespace attune
