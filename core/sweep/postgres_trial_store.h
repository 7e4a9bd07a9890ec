#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/sweep/trial_store.h"

namespace attune {

/// The trial store in a PostgreSQL database, for workers on many machines.
/// Each method is one READ COMMITTED transaction; a claim picks its row with
/// `FOR UPDATE SKIP LOCKED`, so concurrent workers get distinct trials without
/// waiting on each other. Heartbeats and staleness use the server's clock
/// (`now()`), so workers whose clocks disagree still judge staleness alike.
/// The tables (created when missing, under an advisory lock so that racing
/// workers do not collide) live in the connection's current schema.
/// Thread-safe: methods serialise on the one connection. libpqxx reconnects
/// by itself at the next call after a lost connection.
class PostgresTrialStore : public TrialStore {
 public:
  /// Connects to `url` (a libpq connection URI) and checks or creates the
  /// tables; InputError, with any password masked, when the server cannot be
  /// reached, refuses the login or holds tables of another layout.
  PostgresTrialStore(const std::string& url, const std::string& sweep);
  ~PostgresTrialStore() override;
  PostgresTrialStore(const PostgresTrialStore&) = delete;
  PostgresTrialStore& operator=(const PostgresTrialStore&) = delete;

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
  struct Connection;  // wraps pqxx::connection, so that this header needs no libpqxx
  void ensure_schema();

  std::string url_;  // for messages, with the password masked
  std::string sweep_;
  std::unique_ptr<Connection> connection_;
  std::mutex mutex_;
};

/// `url` with any password replaced by `***`, fit for messages and logs.
std::string mask_password(const std::string& url);

}  // namespace attune
