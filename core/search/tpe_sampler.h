#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "core/metrics/metric_goal.h"
#include "core/search/search_config.h"
#include "core/search/strategies.h"

namespace attune {

/// A trial of the sweep as TPE learns from it.
struct TpeObservation {
  enum class State { complete, pruned, running };
  TrialParams params;
  State state = State::complete;
  /// complete: the trial's score; pruned: the last value it reported.
  double value = std::numeric_limits<double>::quiet_NaN();
  /// pruned: the epoch of that value (0 when it reported none).
  int64_t step = 0;
  /// Several objectives: a complete trial's value of each, in order.
  std::vector<double> values;
};

/// The Tree-structured Parzen Estimator (Bergstra et al. 2011) as Optuna's
/// TPESampler (3.1) draws: random trials until `startup_trials` have
/// finished; then the finished trials split into the best gamma(n) =
/// min(ceil(n / 10), 25) ("below") and the rest ("above", where a running
/// trial counts as the worst under `constant_liar`; a pruned one ranks after
/// every complete one, later epochs first); each side becomes a Parzen
/// estimator (a mixture of truncated normals, one per trial plus a prior over
/// the whole range, in log space for log_uniform, over whole numbers for
/// int_uniform; categorical weights for choices), `candidates` points are
/// drawn from "below" and the one with the largest l(x) / g(x) wins. Keys are
/// drawn independently unless `multivariate`, where one joint estimator with
/// Optuna's bandwidth (0.2 n^(-1/(d+4)) of each range) draws them together.
///
/// With several objectives (one goal each) it is Optuna's MOTPE: complete
/// trials only, "below" is whole non-dominated fronts and a hypervolume subset
/// of the next (pareto_best), its components weighted by hypervolume
/// contribution (hypervolume_weights).
class TpeSampler {
 public:
  TpeSampler(SearchSpace space, TpeConfig config, MetricGoal goal);
  TpeSampler(SearchSpace space, TpeConfig config, std::vector<MetricGoal> goals);

  /// Trial `index`'s values, given every trial the store holds (in trial
  /// order) and the search's seed: random_trial(space, seed, index) during
  /// start-up, so that TPE and random search start alike, and then the
  /// estimators' choice, drawn from the stream (seed, index).
  TrialParams suggest(const std::vector<TpeObservation>& history, uint64_t seed, int64_t index) const;

 private:
  SearchSpace space_;
  TpeConfig config_;
  std::vector<MetricGoal> goals_;
};

}  // namespace attune
