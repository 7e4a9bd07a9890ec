#pragma once

// Internal to the trial store backends: the logical schema both share and the
// checks both make, so that SQLite and PostgreSQL stay interchangeable.

#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/search/trial_store.h"

namespace attune::trial_store_schema {

/// The columns each table must have (the DDL lives with each backend, as the
/// types differ); an existing table without one of them belongs to someone else.
inline const std::vector<std::pair<std::string, std::vector<std::string>>>& expected_columns() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> tables = {
      {"sweeps", {"name", "spec_hash", "created"}},
      {"trials", {"sweep", "trial", "params_json", "status", "worker", "heartbeat", "message"}},
      {"folds", {"sweep", "trial", "fold", "value", "epochs", "pruned"}},
      {"intermediate", {"sweep", "trial", "fold", "epoch", "value"}},
  };
  return tables;
}

/// InputError when `present` (the columns a table has) lacks one `table` needs.
inline void check_columns(const std::string& store, const std::string& table, const std::set<std::string>& present,
                          const std::vector<std::string>& expected) {
  for (const auto& column : expected) {
    if (!present.count(column)) {
      input_error(
          "{}: the store's table '{}' has no column '{}': it holds another program's data or comes from an "
          "incompatible attune version; use another store",
          store, table, column);
    }
  }
}

/// Wall-clock unix seconds with sub-second resolution (SQLite heartbeats).
inline double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A status read back from `store`; InputError naming the store for text no attune wrote.
inline TrialStatus parse_status(const std::string& store, const std::string& text) {
  try {
    return trial_status_from_string(text);
  } catch (const InputError& e) {
    input_error("{}: {}", store, e.what());
  }
}

/// finish_trial only accepts end states; anything else is a caller's bug.
inline void check_final_status(TrialStatus status) {
  if (status != TrialStatus::complete && status != TrialStatus::pruned && status != TrialStatus::failed) {
    runtime_error("finish_trial: '{}' is no final trial status (complete, pruned or failed)", to_string(status));
  }
}

/// The message for a sweep name that the store already holds with another spec.
[[noreturn]] inline void sweep_conflict(const std::string& store, const std::string& sweep) {
  input_error(
      "{}: the store already holds a different sweep named '{}' (another search space or base config); "
      "choose another --sweep-dir or sweep name, or another storage",
      store, sweep);
}

}  // namespace attune::trial_store_schema
