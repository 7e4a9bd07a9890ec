#pragma once

#include <mutex>
#include <string>

#include "core/sweep/trial_store.h"

struct sqlite3;

namespace attune {

/// The trial store in one SQLite file, shared by many worker processes on one
/// machine. WAL journal mode lets readers run beside the writer; every write
/// is a `BEGIN IMMEDIATE` transaction (the write lock is taken up front, so a
/// claim's read and write cannot interleave with another process's) waiting up
/// to 30 s for the lock; `synchronous=FULL` makes each commit durable even
/// across a power loss, not just a killed process. Heartbeats use this
/// machine's wall clock, the only clock every worker of the file shares.
/// Not for network file systems (WAL needs shared memory): use PostgreSQL there.
/// Thread-safe: methods serialise on the one connection.
class SqliteTrialStore : public TrialStore {
 public:
  /// Opens or creates the file at `path` and its tables; InputError when it is
  /// no SQLite database, cannot be opened or holds tables of another layout.
  SqliteTrialStore(const std::string& path, const std::string& sweep);
  ~SqliteTrialStore() override;
  SqliteTrialStore(const SqliteTrialStore&) = delete;
  SqliteTrialStore& operator=(const SqliteTrialStore&) = delete;

  int64_t open_sweep(const std::string& meaning_json, const std::vector<std::string>& trial_params_json) override;
  std::optional<int64_t> add_trial(const std::string& params_json, const std::string& worker,
                                   int64_t max_trials) override;
  std::optional<int64_t> claim_trial(const std::string& worker, double stale_after_seconds) override;
  void heartbeat(int64_t trial, const std::string& worker) override;
  bool release_trial(int64_t trial, const std::string& worker) override;
  void report_intermediate(const IntermediateRecord& record) override;
  std::vector<IntermediateRecord> intermediate_values(int64_t fold, int64_t epoch) override;
  std::vector<IntermediateRecord> fold_history(int64_t trial, int64_t fold) override;
  void record_fold(const FoldRecord& record) override;
  std::vector<FoldRecord> folds(int64_t trial) override;
  void finish_trial(int64_t trial, const std::string& worker, TrialStatus status,
                    const std::string& message = "") override;
  std::vector<TrialRecord> trials() override;

 private:
  void configure();
  void ensure_schema();

  std::string path_;
  std::string sweep_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace attune
