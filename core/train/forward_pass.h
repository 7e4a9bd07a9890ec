#pragma once

#include <torch/types.h>

#include <optional>
#include <vector>

#include "core/data/dataset.h"
#include "core/experiment/experiment_config.h"
#include "models/model.h"

namespace attune {

/// Examples through the model as training, evaluation and prediction all run
/// them: collated into a batch, moved to the device, the forward pass under
/// autocast for `bf16`, and the logits in float32 (where autocast would also
/// compute the loss).
struct ForwardPass {
  Batch batch;
  torch::Tensor logits;
};

/// The dtype `precision` runs forward passes in on `device` under autocast;
/// none for fp32, and none for fp16 on a CPU (a model trained in fp16 on a GPU,
/// predicting on a CPU, runs in float32 there).
std::optional<at::ScalarType> autocast_dtype(Precision precision, const torch::Device& device);

ForwardPass forward_pass(Model& model, const Dataset& dataset, const std::vector<int64_t>& indices,
                         const torch::Device& device, Precision precision);

}  // namespace attune
