#pragma once

#include <memory>
#include <vector>

#include "core/search/search_config.h"

namespace attune {

/// Decides, after each evaluation of a trial, whether to stop it: compared
/// with what the other trials reached at the same fold and epoch.
class Pruner {
 public:
  virtual ~Pruner() = default;
  /// `value`: this trial's metric at `epoch`; `others`: the other trials'
  /// values at the same fold and epoch, as the trial store has them now.
  virtual bool should_prune(int64_t epoch, double value, const std::vector<double>& others) const = 0;
};

/// Asynchronous successive halving (Li et al. 2018, "A System for Massively
/// Parallel Hyperparameter Tuning"), as Optuna's SuccessiveHalvingPruner
/// decides: rungs at min_epochs * reduction_factor^k epochs (below the last
/// epoch); a trial reaching a rung goes on only if it is in the top
/// 1/reduction_factor of the values recorded at that rung so far (the first
/// ones to arrive go on if they are the best so far).
class AshaPruner : public Pruner {
 public:
  AshaPruner(int64_t min_epochs, int64_t reduction_factor, int64_t max_epochs, MetricGoal goal);
  bool should_prune(int64_t epoch, double value, const std::vector<double>& others) const override;
  bool is_rung(int64_t epoch) const;

 private:
  int64_t min_epochs_, reduction_factor_, max_epochs_;
  MetricGoal goal_;
};

/// Optuna's MedianPruner: from min_epochs on, once `startup_trials` others
/// have reported at this epoch, stop a trial worse than their median.
class MedianPruner : public Pruner {
 public:
  MedianPruner(int64_t min_epochs, int64_t startup_trials, MetricGoal goal);
  bool should_prune(int64_t epoch, double value, const std::vector<double>& others) const override;

 private:
  int64_t min_epochs_, startup_trials_;
  MetricGoal goal_;
};

/// The pruner `search.pruner` asks for (nullptr for `none`), comparing in the
/// search's direction `goal`; `epochs` is the training length, ASHA's last
/// rung when max_epochs is 0.
std::unique_ptr<Pruner> make_pruner(const PrunerConfig& config, MetricGoal goal, int64_t epochs);

}  // namespace attune
