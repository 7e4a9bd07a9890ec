#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/sweep/sweep_spec.h"
#include "core/sweep/trial_store.h"

namespace attune {

/// One of several objectives of a trial: as GridSearchCV's multi-metric
/// cv_results_ shows each scorer (split<k>_test_<name>, mean, std, rank).
struct ObjectiveResult {
  std::vector<std::optional<double>> folds;  // per fold, empty when not reached
  std::optional<double> mean, std;
  int64_t rank = 0;  // 1 = best in this objective's direction; 0 = unranked
};

/// One trial as results.csv shows it.
struct TrialResult {
  int64_t trial = 0;
  TrialParams params;
  std::vector<std::optional<double>> folds;         // per fold, empty when not reached
  std::vector<std::optional<int64_t>> fold_epochs;  // the epoch each fold's value is from
  std::optional<double> mean, std;
  /// Seconds per fold of training (fit) and of evaluations (score), as
  /// GridSearchCV's mean/std_fit_time and score_time: over the folds done.
  std::optional<double> mean_fit_time, std_fit_time, mean_score_time, std_score_time;
  /// The median of the folds' best epochs (the mean of the two middle ones,
  /// rounded up, for an even count): the epochs a refit trains. Set once
  /// every fold has its value.
  std::optional<int64_t> refit_epochs;
  /// Epochs trained, summed over the folds (fewer than folds x train.epochs
  /// when pruned or stopped early): what the trial cost.
  int64_t trained_epochs = 0;
  TrialStatus status = TrialStatus::pending;
  int64_t rank = 0;  // 1 = best; 0 = unranked (failed, unfinished)
  std::string message;
  std::vector<double> curve;  // the metric after each epoch of fold 0, as reported to the store
  /// Several objectives: each one's fold values and their mean, in
  /// search.objectives' order (the first is the metric above); else empty.
  std::vector<ObjectiveResult> objectives;
  /// Several objectives: the non-dominated rank of the objectives' means
  /// among the complete trials with a value for each (1 = the Pareto front);
  /// 0 = unranked (pruned, failed, unfinished).
  int64_t pareto_rank = 0;
};

struct SweepResults {
  std::vector<TrialResult> trials;  // by trial number
  int64_t folds = 1;
  /// The best completed trial, if any.
  std::optional<size_t> best;
  /// Several objectives: the trials of the Pareto front (pareto_rank 1), by trial number.
  std::vector<size_t> front;
};

/// Reads every trial and fold from the store; mean and (population) std over
/// each trial's folds, ranked as scikit-learn's cv_results_ ranks, in the
/// search's direction: completed trials by mean (ties share a rank), then
/// pruned ones by their partial mean. A trial's values are in the space's
/// key order whatever order the store has them in. With several objectives,
/// each is ranked so too, and the complete trials get Pareto ranks.
SweepResults collect_results(const SweepSpec& spec, TrialStore& store);

/// The median of `epochs`, the mean of the two middle ones rounded up (half
/// an epoch counts as a whole) for an even count; 0 for none.
int64_t median_epoch(std::vector<int64_t> epochs);

/// results.csv, best.yaml (the best trial's experiment, ready for `attune
/// train`), heatmap.svg (the metric over the first two searched keys) and
/// learning_curves.svg (every trial's metric per epoch), all atomically; with
/// several objectives also pareto.svg (the first objective against the
/// second, the front joined) and pareto/trial_NNNN.yaml for each trial of
/// the front (files of trials no longer on it removed).
void write_results(const SweepSpec& spec, const SweepResults& results);

/// The ranked table printed at the end of a sweep.
std::string ranked_table(const SweepSpec& spec, const SweepResults& results);

/// Trains the best configuration on the whole training split (GridSearchCV's
/// refit), in <sweep>/refit: with the trial's own config (so its lr schedule
/// is the one its folds had), stopped after `refit_epochs` (the epochs its
/// folds chose), with early stopping off, so that the valid split's score of
/// its last epoch is one nothing was tuned on. With cv_folds 0 the trials
/// were scored on the valid split itself: the refit is then the best trial's
/// model at its best epoch, and its score is the one the search selected on,
/// as the printed line says. A refit/ left by another best trial is replaced.
void refit_best(const SweepSpec& spec, const SweepResults& results);

}  // namespace attune
