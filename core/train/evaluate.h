#pragma once

#include <torch/types.h>

#include "core/data/dataset.h"
#include "core/distributed/distributed.h"
#include "core/experiment/experiment_config.h"
#include "models/model.h"

namespace attune {

/// Mean cross-entropy and accuracy over a subset.
struct EvalResult {
  double loss = 0.0;
  double accuracy = 0.0;
  int64_t examples = 0;
};

/// Evaluates `model` on `subset` in eval mode without gradients, in batches
/// of `batch_size`, in the subset's order. With `distributed`, each rank
/// scores every world_size-th example and the sums are added over the ranks,
/// so every rank returns the whole subset's figures. The batches go through
/// forward_pass and summed_loss, as in training.
EvalResult evaluate(Model& model, const Subset& subset, int64_t batch_size, const torch::Device& device,
                    Distributed* distributed = nullptr, Precision precision = Precision::fp32);

}  // namespace attune
