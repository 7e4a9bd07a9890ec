#pragma once

#include <string>
#include <vector>

#include "core/config/schema.h"
#include "core/metrics/metric_goal.h"
#include "core/metrics/metric_names.h"
#include "core/search/search_space.h"

namespace attune {

/// `search.pruner.type`: which trials stop early, if any.
enum class PrunerType { none, asha, median, hyperband };
inline const config::EnumNames<PrunerType>& enum_names(PrunerType) {
  static const config::EnumNames<PrunerType> names = {{PrunerType::none, "none"},
                                                      {PrunerType::asha, "asha"},
                                                      {PrunerType::median, "median"},
                                                      {PrunerType::hyperband, "hyperband"}};
  return names;
}

/// `search.pruner`: stopping weak trials early.
struct PrunerConfig {
  PrunerType type = PrunerType::none;
  int64_t min_epochs = 1;
  int64_t reduction_factor = 3;
  int64_t max_epochs = 0;
  int64_t startup_trials = 5;
  /// Several objectives (asha): how far another trial must dominate one at a
  /// rung to stop it, in each objective's spread there (ParetoAshaPruner).
  double margin = 0.05;
  static void declare(config::Schema<PrunerConfig>& s);
};

/// `search.strategy`: how the trials are drawn from the search space.
enum class SearchStrategy { grid, random, tpe };
inline const config::EnumNames<SearchStrategy>& enum_names(SearchStrategy) {
  static const config::EnumNames<SearchStrategy> names = {
      {SearchStrategy::grid, "grid"}, {SearchStrategy::random, "random"}, {SearchStrategy::tpe, "tpe"}};
  return names;
}

/// `search.tpe`: the Tree-structured Parzen Estimator's settings (Optuna's
/// TPESampler defaults, and its constant liar on).
struct TpeConfig {
  int64_t startup_trials = 10;
  int64_t candidates = 24;
  bool multivariate = false;
  bool constant_liar = true;
  static void declare(config::Schema<TpeConfig>& s);
};

/// One of `search.objectives`: a metric column or a trial measure
/// (parameters, train_seconds, latency_ms), and its direction.
struct ObjectiveConfig {
  std::string metric;
  MetricMode mode = MetricMode::automatic;
  /// `mode`, or the metric's own direction for `auto` (measures fall).
  MetricGoal goal() const;
  static void declare(config::Schema<ObjectiveConfig>& s);
};

/// The `search:` section, read by `attune sweep` (and ignored by `attune train`).
struct SearchConfig {
  SearchStrategy strategy = SearchStrategy::grid;
  int64_t trials = 10;
  int64_t seed = -1;
  int64_t cv_folds = 0;
  bool refit = false;
  std::string metric;  // empty until loaded: then train.early_stopping.metric unless given
  MetricMode mode = MetricMode::automatic;
  /// Several objectives at once (a Pareto front); the first is `metric`.
  /// Empty or one: a single objective.
  std::vector<ObjectiveConfig> objectives;
  PrunerConfig pruner;
  TpeConfig tpe;
  int64_t workers = 1;
  std::string storage;
  double stale_after_seconds = 120;
  SearchSpace space;
  /// The direction trials are ranked and pruned in: `mode`, or the metric's
  /// own (losses down, accuracy up) for `auto`.
  MetricGoal goal() const;
  /// Whether trials are compared on two or more objectives (Pareto ranks).
  bool multi_objective() const { return objectives.size() >= 2; }
  /// Each objective's direction, in order.
  std::vector<MetricGoal> goals() const;
  static void declare(config::Schema<SearchConfig>& s);
};

}  // namespace attune
