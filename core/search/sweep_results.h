#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/search/sweep_spec.h"
#include "core/search/trial_store.h"

namespace attune {

/// One trial as results.csv shows it.
struct TrialResult {
  int64_t trial = 0;
  TrialParams params;
  std::vector<std::optional<double>> folds;  // per fold, empty when not reached
  std::optional<double> mean, std;
  TrialStatus status = TrialStatus::pending;
  int64_t rank = 0;  // 1 = best; 0 = unranked (failed, unfinished)
  std::string message;
  std::vector<double> curve;  // the metric after each epoch of fold 0, as reported to the store
};

struct SweepResults {
  std::vector<TrialResult> trials;  // by trial number
  int64_t folds = 1;
  /// The best completed trial, if any.
  std::optional<size_t> best;
};

/// Reads every trial and fold from the store; mean and (population) std over
/// each trial's folds, ranked as scikit-learn's cv_results_ ranks: completed
/// trials by mean (ties share a rank), then pruned ones by their partial mean.
SweepResults collect_results(const SweepSpec& spec, TrialStore& store);

/// results.csv, best.yaml (the best trial's experiment, ready for `attune
/// train`), heatmap.svg (the metric over the first two searched keys) and
/// learning_curves.svg (every trial's metric per epoch), all atomically.
void write_results(const SweepSpec& spec, const SweepResults& results);

/// The ranked table printed at the end of a sweep.
std::string ranked_table(const SweepSpec& spec, const SweepResults& results);

/// Trains the best configuration on the whole training split and evaluates
/// it on the valid split (GridSearchCV's refit), in <sweep>/refit.
void refit_best(const SweepSpec& spec, const SweepResults& results);

}  // namespace attune
