#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attune {

/// Where a trial stands. Only `pending` trials (and `running` ones whose
/// worker is gone) can be claimed.
enum class TrialStatus { pending, running, complete, pruned, failed };
std::string to_string(TrialStatus status);
TrialStatus trial_status_from_string(const std::string& text);

/// One trial of a sweep as the store keeps it.
struct TrialRecord {
  int64_t trial = 0;
  std::string params_json;  // the trial's overrides, a JSON object {"optimizer.lr": 0.001, ...}
  TrialStatus status = TrialStatus::pending;
  std::string worker;    // "host:pid" of the worker that claimed it last
  double heartbeat = 0;  // unix seconds of the worker's last sign of life
  std::string message;   // why it failed, for failed trials
};

/// The score of one cross-validation fold (fold 0 alone without CV): the best
/// value of `search.metric` over the fold's evaluations, in the search's
/// direction, and the epoch it is from.
struct FoldRecord {
  int64_t trial = 0;
  int64_t fold = 0;
  double value = 0;
  int64_t best_epoch = 0;  // the epoch whose evaluation gave `value`
  int64_t epochs = 0;      // epochs the fold trained (fewer when stopped early or pruned)
  bool pruned = false;
  double fit_seconds = 0;    // training, summed over the fold's sessions (GridSearchCV's fit_time)
  double score_seconds = 0;  // its evaluations and checkpoints (score_time)
  /// With several objectives, each one's value at the evaluation `value` is
  /// from (that of best_epoch), in search.objectives' order; else empty.
  std::vector<double> objectives;
};

/// A metric reported after an epoch, for pruners.
struct IntermediateRecord {
  int64_t trial = 0;
  int64_t fold = 0;
  int64_t epoch = 0;
  double value = 0;
  /// With several objectives, each one's value after this epoch; else empty.
  std::vector<double> objectives;
};

/// The shared state of one sweep: its trials, who runs which, and their
/// results, committed as they happen so that nothing is lost when a worker
/// or the whole sweep is killed. SQLite (one machine, many processes) and
/// PostgreSQL (many machines) implement it; every method is one transaction.
class TrialStore {
 public:
  virtual ~TrialStore() = default;

  /// Opens the sweep for a run that asks for the trials `trial_params_json`
  /// (each a JSON object of searched values). `meaning_json` is a JSON object
  /// of strings: every setting that decides what a trial trains and how it is
  /// scored, keyed by its dotted config key. A new sweep is created with the
  /// trials numbered 0, 1, ...; an existing one must have been made with the
  /// same meaning, else InputError naming the setting that changed. Each asked
  /// trial is matched to a stored one by its values (key order and number
  /// spelling aside; the k-th repeat of the same values to the k-th such
  /// trial), and those the store lacks are added, pending, with the next
  /// numbers: a grown grid or a larger `trials` continues the sweep. Stored
  /// trials that were not asked for stay. Returns how many were added.
  virtual int64_t open_sweep(const std::string& meaning_json, const std::vector<std::string>& trial_params_json) = 0;

  /// Atomically claims the lowest-numbered trial that is pending, or running
  /// with a heartbeat older than `stale_after_seconds`, for `worker`; each
  /// trial goes to exactly one worker even with many processes on many
  /// machines. nullopt when none is left to claim.
  virtual std::optional<int64_t> claim_trial(const std::string& worker, double stale_after_seconds) = 0;

  /// Adds a trial chosen now (a sequential strategy such as TPE), already
  /// claimed by `worker`, with the next number, unless the sweep holds
  /// `max_trials` or more: atomically, so that workers on many machines
  /// together add no more than that. nullopt when the sweep is full.
  virtual std::optional<int64_t> add_trial(const std::string& params_json, const std::string& worker,
                                           int64_t max_trials) = 0;

  /// The worker still runs `trial`.
  virtual void heartbeat(int64_t trial, const std::string& worker) = 0;

  /// Puts a running trial back to pending if `worker` still holds it (its
  /// worker died); returns whether it did.
  virtual bool release_trial(int64_t trial, const std::string& worker) = 0;

  virtual void report_intermediate(const IntermediateRecord& record) = 0;
  /// Every trial's value at (fold, epoch), for pruners.
  virtual std::vector<IntermediateRecord> intermediate_values(int64_t fold, int64_t epoch) = 0;

  /// One fold's reported values, by epoch.
  virtual std::vector<IntermediateRecord> fold_history(int64_t trial, int64_t fold) = 0;

  /// Records (or replaces) one fold's final result.
  virtual void record_fold(const FoldRecord& record) = 0;
  virtual std::vector<FoldRecord> folds(int64_t trial) = 0;

  /// Ends a trial held by `worker`: complete, pruned or failed (with a message).
  virtual void finish_trial(int64_t trial, const std::string& worker, TrialStatus status,
                            const std::string& message = "") = 0;

  /// All trials, by number.
  virtual std::vector<TrialRecord> trials() = 0;
};

/// Opens (creating if needed) the store at `url` for the sweep `sweep_name`:
/// `sqlite:///abs/path.db`, `sqlite://relative/path.db` or a plain path (SQLite),
/// or `postgresql://user@host:port/db` (also `postgres://`). InputError names
/// the URL and what went wrong.
std::unique_ptr<TrialStore> open_trial_store(const std::string& url, const std::string& sweep_name);

}  // namespace attune
