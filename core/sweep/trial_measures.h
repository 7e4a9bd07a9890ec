#pragma once

#include <string>
#include <vector>

#include "core/experiment/experiment.h"
#include "core/train/trainer.h"

namespace attune {

/// What a sweep measures of a trial's model beside its evaluations: two of
/// the measures `search.objectives` may name (the third, train_seconds, the
/// trainer reports with each evaluation).
struct TrialMeasures {
  double parameters = 0;  // the model's parameter count (every tensor, trained or frozen)
  double latency_ms = 0;  // the median time of one batch through the model, in milliseconds
};

/// Measures `experiment`'s model as built (before training: neither figure
/// depends on the weights' values): its parameters, and the forward pass of
/// the first train.batch_size validation examples in eval mode without
/// gradients, as an evaluation runs it (2 warm-up passes, the median of 7).
TrialMeasures measure_trial(Experiment& experiment);

/// An objective's value after an evaluation: a metric column of `row`, or a
/// measure (parameters, train_seconds, latency_ms).
double objective_value(const std::string& name, const MetricsRow& row, double train_seconds,
                       const TrialMeasures& measures);

}  // namespace attune
