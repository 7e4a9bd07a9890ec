#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/experiment/experiment.h"

namespace attune {

/// `attune lr-find`'s options: the range test of Leslie Smith ("Cyclical
/// Learning Rates", 2017) as PyTorch Lightning's Tuner.lr_find runs it.
struct LrFinderOptions {
  int64_t steps = 100;      // optimizer steps, one batch each
  double min_lr = 1e-8;     // the first step's lr
  double max_lr = 1.0;      // the last step's lr
  double beta = 0.98;       // the loss's exponential smoothing
  double divergence = 4.0;  // stop once the smoothed loss exceeds this many times its best
  int64_t skip_begin = 10;  // points the suggestion ignores at the start
  int64_t skip_end = 1;     // and at the end
};

/// What the range test measured, one entry per step taken.
struct LrFinderResult {
  std::vector<double> lrs;
  std::vector<double> losses;    // each step's training loss, before its update
  std::vector<double> smoothed;  // debiased exponential moving average of `losses`
  bool diverged = false;         // stopped before the last step
  /// The index of the suggested lr (steepest descent of the smoothed loss);
  /// none when too few points are left once the skipped ones are dropped.
  std::optional<size_t> suggestion;
};

/// Trains `experiment`'s freshly built model for up to `options.steps`
/// optimizer steps on shuffled training batches, the lr rising exponentially
/// from min_lr to max_lr (every param group alike, as Lightning does), and
/// records the loss. The experiment's model and optimizer are used up: build
/// a new one to train. Nothing is written.
LrFinderResult find_lr(Experiment& experiment, const LrFinderOptions& options);

/// The lr of step `step` of `steps`: min_lr x (max_lr / min_lr)^(step / (steps - 1)).
double range_test_lr(const LrFinderOptions& options, int64_t step);

/// Lightning's suggestion: the index of the steepest descent (the most
/// negative numpy.gradient) of `smoothed`, ignoring the first `skip_begin`
/// and the last `skip_end` points and any non-finite ones.
std::optional<size_t> steepest_descent(const std::vector<double>& smoothed, int64_t skip_begin, int64_t skip_end);

}  // namespace attune
