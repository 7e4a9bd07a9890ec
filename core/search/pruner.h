#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/search/search_config.h"

namespace attune {

/// Another trial's value at the same fold and epoch.
struct PeerValue {
  int64_t trial = -1;
  double value = 0.0;
};

/// Decides, after each evaluation of a trial, whether to stop it: compared
/// with what the other trials reached at the same fold and epoch.
class Pruner {
 public:
  virtual ~Pruner() = default;
  /// `value`: trial `trial`'s metric at `epoch`; `others`: the other trials'
  /// values at the same fold and epoch, as the trial store has them now.
  virtual bool should_prune(int64_t trial, int64_t epoch, double value, const std::vector<PeerValue>& others) const = 0;
  /// The same where which trials the values are from does not matter.
  bool should_prune(int64_t epoch, double value, const std::vector<double>& others) const;
};

/// Successive halving's promotion rule (Optuna's
/// _is_trial_promotable_to_next_rung): among `competing` (this trial's value
/// included), the top len / reduction_factor go on, or while fewer than
/// reduction_factor have arrived, the best so far.
bool promotable(double value, std::vector<double> competing, int64_t reduction_factor, MetricGoal goal);

/// Asynchronous successive halving (Li et al. 2018, "A System for Massively
/// Parallel Hyperparameter Tuning"), as Optuna's SuccessiveHalvingPruner
/// decides: rungs at min_epochs * reduction_factor^k epochs (below the last
/// epoch); a trial reaching a rung goes on only if it is in the top
/// 1/reduction_factor of the values recorded at that rung so far (the first
/// ones to arrive go on if they are the best so far).
class AshaPruner : public Pruner {
 public:
  AshaPruner(int64_t min_epochs, int64_t reduction_factor, int64_t max_epochs, MetricGoal goal);
  using Pruner::should_prune;
  bool should_prune(int64_t trial, int64_t epoch, double value, const std::vector<PeerValue>& others) const override;
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
  using Pruner::should_prune;
  bool should_prune(int64_t trial, int64_t epoch, double value, const std::vector<PeerValue>& others) const override;

 private:
  int64_t min_epochs_, startup_trials_;
  MetricGoal goal_;
};

/// Hyperband (Li et al. 2018) as Optuna's HyperbandPruner decides:
/// n = floor(log_eta(max_epochs / min_epochs)) + 1 brackets of successive
/// halving, bracket b's rungs at min_epochs * eta^(b + k), k >= 0; each trial
/// belongs to one bracket, drawn as Optuna draws it (crc32 of
/// "<sweep>_<trial>" modulo the brackets' total budget, bracket b's budget
/// ceil(n * eta^(n-1-b) / (n-b))), and is compared only with its bracket's
/// trials. A NaN at a rung stops the trial and is no one's competitor.
class HyperbandPruner : public Pruner {
 public:
  HyperbandPruner(std::string sweep, int64_t min_epochs, int64_t max_epochs, int64_t reduction_factor, MetricGoal goal);
  using Pruner::should_prune;
  bool should_prune(int64_t trial, int64_t epoch, double value, const std::vector<PeerValue>& others) const override;
  int64_t brackets() const { return static_cast<int64_t>(budgets_.size()); }
  int64_t bracket(int64_t trial) const;
  /// Whether `epoch` is a rung of `bracket`.
  bool is_rung(int64_t bracket, int64_t epoch) const;

 private:
  std::string sweep_;
  int64_t min_epochs_, reduction_factor_;
  MetricGoal goal_;
  std::vector<int64_t> budgets_;
  int64_t total_budget_ = 0;
};

/// ASHA for several objectives, which Optuna does not prune: at ASHA's rungs
/// (min_epochs x reduction_factor^k, below max_epochs), the trials that
/// reached the rung are sorted into non-dominated fronts (`losses`: every
/// objective to minimize, a maximized one negated). A trial goes on when its
/// front is among the first that hold the top 1/reduction_factor of them (ASHA's budget,
/// counted in fronts so that a whole front goes on together), and otherwise
/// too unless another trial at the rung dominates it by `margin`: better by
/// at least `margin` times the objective's spread at the rung in every
/// objective. A trial on the rung's front, or near it in any objective, is
/// never stopped; NaN counts as the worst value.
class ParetoAshaPruner {
 public:
  ParetoAshaPruner(int64_t min_epochs, int64_t reduction_factor, int64_t max_epochs, double margin);
  bool should_prune(int64_t epoch, const std::vector<double>& losses,
                    const std::vector<std::vector<double>>& others) const;
  bool is_rung(int64_t epoch) const;

 private:
  int64_t min_epochs_, reduction_factor_, max_epochs_;
  double margin_;
};

/// The pruner `search.pruner` asks for (nullptr for `none`), comparing in the
/// search's direction `goal`; `epochs` is the training length, max_epochs
/// when that is 0; `sweep` names the sweep (Hyperband's brackets depend on it).
std::unique_ptr<Pruner> make_pruner(const PrunerConfig& config, MetricGoal goal, int64_t epochs,
                                    const std::string& sweep);

}  // namespace attune
