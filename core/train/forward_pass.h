#pragma once

#include <torch/types.h>

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

ForwardPass forward_pass(Model& model, const Dataset& dataset, const std::vector<int64_t>& indices,
                         const torch::Device& device, Precision precision);

}  // namespace attune
