#pragma once

#include <torch/types.h>

#include "core/data/dataset.h"
#include "models/model.h"

namespace attune {

/// Mean cross-entropy and accuracy over a subset.
struct EvalResult {
  double loss = 0.0;
  double accuracy = 0.0;
  int64_t examples = 0;
};

/// Evaluates `model` on `subset` in eval mode without gradients, in batches
/// of `batch_size`, in the subset's order.
EvalResult evaluate(Model& model, const Subset& subset, int64_t batch_size, const torch::Device& device);

}  // namespace attune
