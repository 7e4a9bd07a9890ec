#include "core/search/search_config.h"

#include <fmt/format.h>

#include "metrics/metric.h"

namespace attune {

void PrunerConfig::declare(config::Schema<PrunerConfig>& s) {
  s.field("type", &PrunerConfig::type,
          "`asha` (asynchronous successive halving), `hyperband` (brackets of it, as Optuna's HyperbandPruner), "
          "`median`, or `none`");
  s.field("min_epochs", &PrunerConfig::min_epochs,
          "epochs every trial trains before it can be stopped (ASHA's first rung; Hyperband's min_resource)")
      .greater_than(0);
  s.field("reduction_factor", &PrunerConfig::reduction_factor,
          "ASHA and Hyperband keep the top 1/reduction_factor at each rung")
      .at_least(2);
  s.field("max_epochs", &PrunerConfig::max_epochs,
          "ASHA's last rung; Hyperband's max_resource, which sets its number of brackets; 0 = train.epochs")
      .at_least(0);
  s.field("startup_trials", &PrunerConfig::startup_trials, "median: trials that run unpruned first").at_least(0);
  s.field("margin", &PrunerConfig::margin,
          "asha with several objectives: a trial outside a rung's kept fronts stops only when another trial there "
          "is better by this fraction of each objective's spread at the rung in every objective")
      .at_least(0);
}

void ObjectiveConfig::declare(config::Schema<ObjectiveConfig>& s) {
  s.field("metric", &ObjectiveConfig::metric,
          "train_loss, val_loss, val_<one of train.metrics>, or a measure: parameters (the model's count), "
          "train_seconds (training up to the fold's best evaluation), latency_ms (one validation batch through the "
          "model)");
  s.field("mode", &ObjectiveConfig::mode, "`auto` (the metric's own direction; measures fall), `min` or `max`");
}

MetricGoal ObjectiveConfig::goal() const {
  return resolve_goal(column_goal(metric), mode);
}

void TpeConfig::declare(config::Schema<TpeConfig>& s) {
  s.field("startup_trials", &TpeConfig::startup_trials,
          "trials drawn at random (as strategy: random draws them) before the estimators take over")
      .at_least(1);
  s.field("candidates", &TpeConfig::candidates,
          "points drawn from the good trials' estimator; the one most likelier there than under the rest wins")
      .greater_than(0);
  s.field("multivariate", &TpeConfig::multivariate,
          "one joint estimator over all keys (Optuna's multivariate TPE) instead of one per key");
  s.field("constant_liar", &TpeConfig::constant_liar,
          "count running trials as the worst, so that parallel workers do not all try the same region");
}

void SearchConfig::declare(config::Schema<SearchConfig>& s) {
  using S = SearchConfig;
  s.field("strategy", &S::strategy,
          "`grid`: every combination of the lists; `random`: `trials` samples; `tpe`: `trials` chosen one by one "
          "from the finished ones (Tree-structured Parzen Estimator, as Optuna's TPESampler)");
  s.field("trials", &S::trials, "random, tpe: how many trials").greater_than(0);
  s.field("seed", &S::seed, "random, tpe: sampling seed (-1 = the experiment's seed)");
  s.field("cv_folds", &S::cv_folds,
          "stratified k-fold cross-validation over the training split; 0 = use the valid split")
      .at_least(0);
  s.field("refit", &S::refit,
          "then train the best trial on the whole training split, stopped at the median of its folds' best epochs, "
          "and score that last epoch on valid");
  s.field("metric", &S::metric,
          "what scores a fold (its best evaluation) and ranks trials: train_loss, val_loss, val_<one of "
          "train.metrics> or a measure (see objectives); empty = the first objective, else "
          "train.early_stopping.metric");
  s.field("mode", &S::mode, "`auto` (the metric's own direction: losses min, accuracy max), `min` or `max`");
  s.field("objectives", &S::objectives,
          "several objectives, [{metric: val_accuracy}, {metric: parameters}]: trials get a Pareto rank, the front "
          "is written out (pareto.svg, pareto/), tpe becomes MOTPE and asha prunes by Pareto dominance; the first "
          "is `metric`, which ranks the trials and picks best.yaml");
  s.field("pruner", &S::pruner, "early stopping of weak trials");
  s.field("tpe", &S::tpe, "strategy tpe: the sampler's settings");
  s.field("workers", &S::workers, "trials run at once as processes on this machine").greater_than(0);
  s.field("storage", &S::storage,
          "trial store URL; empty = SQLite in the sweep folder (postgresql://... for many machines)");
  s.field("stale_after_seconds", &S::stale_after_seconds,
          "a running trial whose worker has not reported for this long is run again")
      .greater_than(0);
  s.field("space", &S::space,
          "searched keys: a list of values, or {distribution: choice|uniform|log_uniform|int_uniform}");
  s.check("cv_folds", [](const S& o) { return o.cv_folds == 1 ? "cv_folds must be 0 (no CV) or at least 2" : ""; });
  s.check("objectives", [](const S& o) -> std::string {
    for (size_t i = 0; i < o.objectives.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (o.objectives[i].metric == o.objectives[j].metric)
          return fmt::format("`{}` is objective {} and {}: each objective once", o.objectives[i].metric, j + 1, i + 1);
      }
    }
    if (o.multi_objective() && o.pruner.type != PrunerType::none && o.pruner.type != PrunerType::asha) {
      return fmt::format(
          "pruner `{}` compares one metric; with several objectives use pruner.type: asha (it prunes by Pareto "
          "dominance) or none",
          config::name_of(o.pruner.type));
    }
    return "";
  });
}

MetricGoal SearchConfig::goal() const {
  return resolve_goal(column_goal(metric), mode);
}

std::vector<MetricGoal> SearchConfig::goals() const {
  std::vector<MetricGoal> goals;
  for (const auto& objective : objectives) goals.push_back(objective.goal());
  return goals;
}

}  // namespace attune
