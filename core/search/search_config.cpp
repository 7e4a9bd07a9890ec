#include "core/search/search_config.h"

#include <fmt/format.h>

#include "metrics/metric.h"

namespace attune {

void PrunerConfig::declare(config::Schema<PrunerConfig>& s) {
  s.field("type", &PrunerConfig::type, "`asha` (asynchronous successive halving), `median`, or `none`");
  s.field("min_epochs", &PrunerConfig::min_epochs,
          "epochs every trial trains before it can be stopped (ASHA's first rung)")
      .greater_than(0);
  s.field("reduction_factor", &PrunerConfig::reduction_factor, "ASHA keeps the top 1/reduction_factor at each rung")
      .at_least(2);
  s.field("max_epochs", &PrunerConfig::max_epochs, "ASHA's last rung; 0 = train.epochs").at_least(0);
  s.field("startup_trials", &PrunerConfig::startup_trials, "median: trials that run unpruned first").at_least(0);
}

void SearchConfig::declare(config::Schema<SearchConfig>& s) {
  using S = SearchConfig;
  s.field("strategy", &S::strategy, "`grid`: every combination of the lists; `random`: `trials` samples");
  s.field("trials", &S::trials, "random: how many trials").greater_than(0);
  s.field("seed", &S::seed, "random: sampling seed (-1 = the experiment's seed)");
  s.field("cv_folds", &S::cv_folds,
          "stratified k-fold cross-validation over the training split; 0 = use the valid split")
      .at_least(0);
  s.field("refit", &S::refit,
          "then train the best trial on the whole training split, stopped at the median of its folds' best epochs, "
          "and score that last epoch on valid");
  s.field("metric", &S::metric,
          "what scores a fold (its best evaluation) and ranks trials: train_loss, val_loss or val_<one of "
          "train.metrics>; empty = train.early_stopping.metric");
  s.field("mode", &S::mode, "`auto` (the metric's own direction: losses min, accuracy max), `min` or `max`");
  s.field("pruner", &S::pruner, "early stopping of weak trials");
  s.field("workers", &S::workers, "trials run at once as processes on this machine").greater_than(0);
  s.field("storage", &S::storage,
          "trial store URL; empty = SQLite in the sweep folder (postgresql://... for many machines)");
  s.field("stale_after_seconds", &S::stale_after_seconds,
          "a running trial whose worker has not reported for this long is run again")
      .greater_than(0);
  s.field("space", &S::space,
          "searched keys: a list of values, or {distribution: choice|uniform|log_uniform|int_uniform}");
  s.check("cv_folds", [](const S& o) { return o.cv_folds == 1 ? "cv_folds must be 0 (no CV) or at least 2" : ""; });
}

MetricGoal SearchConfig::goal() const {
  return resolve_goal(column_goal(metric), mode);
}

}  // namespace attune
