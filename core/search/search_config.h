#pragma once

#include <string>

#include "core/config/schema.h"
#include "core/metrics/metric_goal.h"
#include "core/search/search_space.h"

namespace attune {

/// `search.pruner`: stopping weak trials early.
struct PrunerConfig {
  std::string type = "none";
  int64_t min_epochs = 1;
  int64_t reduction_factor = 3;
  int64_t max_epochs = 0;
  int64_t startup_trials = 5;
  static void declare(config::Schema<PrunerConfig>& s);
};

/// The `search:` section, read by `attune sweep` (and ignored by `attune train`).
struct SearchConfig {
  std::string strategy = "grid";
  int64_t trials = 10;
  int64_t seed = -1;
  int64_t cv_folds = 0;
  bool refit = false;
  std::string metric = "val_accuracy";
  std::string mode = "auto";
  PrunerConfig pruner;
  int64_t workers = 1;
  std::string storage;
  double stale_after_seconds = 120;
  SearchSpace space;
  /// The direction trials are ranked and pruned in: `mode`, or the metric's
  /// own (losses down, accuracy up) for `auto`.
  MetricGoal goal() const { return resolve_goal(metric, mode); }
  static void declare(config::Schema<SearchConfig>& s);
};

}  // namespace attune
