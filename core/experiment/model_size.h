#pragma once

#include <c10/core/Device.h>

#include <optional>
#include <string>

#include "core/experiment/experiment_config.h"

namespace attune {

/// What training a model holds in memory at the least, known before any of
/// it is allocated: its float32 parameters, their gradients, and the
/// optimizer's per-parameter state (Adam and AdamW: 2 moment estimates, 3
/// with amsgrad; SGD: 1 momentum buffer when momentum > 0; other optimizers:
/// not counted). Activations, batches and the data come on top.
struct TrainingFootprint {
  std::string model_type;
  /// INT64_MAX when the count does not fit in an int64_t.
  int64_t parameters = 0;
  /// The parameters alone, float32 (what building the model allocates).
  int64_t parameter_bytes = 0;
  /// Copies of the parameters the optimizer keeps (2 for AdamW).
  int64_t optimizer_copies = 0;
  /// Parameters, gradients and optimizer state; INT64_MAX when larger.
  int64_t bytes = 0;
  /// What `bytes` counts, for messages: "float32 parameters, gradients and
  /// AdamW's 2 moment estimates".
  std::string counted;
};

/// The parameters `model` would have on data shaped as `spec`, from its
/// registry entry's counter, without building it; nullopt for a model type
/// without a counter (a plugin's). Throws the InputError the model's
/// constructor would for data it cannot take.
std::optional<int64_t> parameter_count_from_options(const Component<ModelKind>& model, const DataSpec& spec);

/// The footprint of training a `parameters`-parameter `model_type` with the
/// config's optimizer.
TrainingFootprint training_footprint(const ExperimentConfig& config, const std::string& model_type, int64_t parameters);

/// Refuses (InputError, exit 2) the config's model, before any module of it
/// is built, when its footprint does not fit where it would train: the
/// memory this process can still take on the host (MemAvailable, or the
/// cgroup's limit where lower) for `cpu`; the device's total memory for CUDA,
/// and then the host's for the parameters alone, which are built there before
/// they move. `device` nullopt: the run's device is not on this machine (as
/// when `attune check` reads a CUDA config on a laptop), so only the host
/// memory the parameters are built in is checked. Returns the footprint, or
/// nullopt (nothing checked) for a model type that cannot count its
/// parameters before it is built.
std::optional<TrainingFootprint> check_model_fits(const ExperimentConfig& config, const DataSpec& spec,
                                                  const std::optional<c10::Device>& device);

/// The device a run with `device:` would train on here, for `attune check`
/// (which builds on the CPU): nullopt for CUDA where this machine or this
/// LibTorch has none, since the config may be meant for another machine; an
/// InputError, as `train` gives, for a CUDA index this machine lacks.
std::optional<c10::Device> device_if_present(const std::string& device);

/// `n` with thousands separators: "1,234,567".
std::string with_thousands(int64_t n);

}  // namespace attune
