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

/// The final metric of one cross-validation fold (fold 0 alone without CV).
struct FoldRecord {
  int64_t trial = 0;
  int64_t fold = 0;
  double value = 0;
  int64_t epochs = 0;
  bool pruned = false;
};

/// A metric reported after an epoch, for pruners.
struct IntermediateRecord {
  int64_t trial = 0;
  int64_t fold = 0;
  int64_t epoch = 0;
  double value = 0;
};

/// The shared state of one sweep: its trials, who runs which, and their
/// results, committed as they happen so that nothing is lost when a worker
/// or the whole sweep is killed. SQLite (one machine, many processes) and
/// PostgreSQL (many machines) implement it; every method is one transaction.
class TrialStore {
 public:
  virtual ~TrialStore() = default;

  /// Creates the sweep with all its trials pending, unless it exists. An
  /// existing sweep must have the same `spec_hash` (the same search space and
  /// base config), else InputError: the store holds another sweep of this name.
  virtual void create_sweep(const std::string& spec_hash, const std::vector<std::string>& trial_params_json) = 0;

  /// Atomically claims the lowest-numbered trial that is pending, or running
  /// with a heartbeat older than `stale_after_seconds`, for `worker`; each
  /// trial goes to exactly one worker even with many processes on many
  /// machines. nullopt when none is left to claim.
  virtual std::optional<int64_t> claim_trial(const std::string& worker, double stale_after_seconds) = 0;

  /// The worker still runs `trial`.
  virtual void heartbeat(int64_t trial, const std::string& worker) = 0;

  /// Puts a running trial back to pending if `worker` still holds it (its
  /// worker died); returns whether it did.
  virtual bool release_trial(int64_t trial, const std::string& worker) = 0;

  virtual void report_intermediate(const IntermediateRecord& record) = 0;
  /// Every trial's value at (fold, epoch), for pruners.
  virtual std::vector<IntermediateRecord> intermediate_values(int64_t fold, int64_t epoch) = 0;

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
