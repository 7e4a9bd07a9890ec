#pragma once

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

#include "core/data/dataset.h"
#include "core/distributed/distributed.h"
#include "core/experiment/experiment.h"
#include "models/model.h"

namespace attune {

/// An evaluation: the mean loss over a subset and each metric's value.
struct EvalResult {
  double loss = 0.0;
  int64_t examples = 0;
  std::vector<std::pair<std::string, double>> metrics;  // by column (val_accuracy, ...), in train.metrics' order
};

/// Evaluates `model` on `subset` in eval mode without gradients, in batches
/// of `batch_size`, in the subset's order: the loss (summed, then divided by
/// the subset's divisor, as torch's mean) and the metrics on all the
/// subset's outputs at once. With `distributed`, each rank runs every
/// world_size-th example and the sums and outputs are gathered over the
/// ranks, so every rank returns the whole subset's figures.
EvalResult evaluate(Model& model, const Subset& subset, const Scoring& scoring, int64_t batch_size,
                    const torch::Device& device, Distributed* distributed = nullptr,
                    Precision precision = Precision::fp32);

}  // namespace attune
