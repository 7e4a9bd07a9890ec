#include "core/sweep/sqlite_trial_store.h"

#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "core/error.h"
#include "core/sweep/sqlite_support.h"
#include "core/sweep/trial_store_schema.h"

namespace attune {

using sqlite_support::Context;
using sqlite_support::execute;
using sqlite_support::fail;
using sqlite_support::kBusyTimeoutMs;
using sqlite_support::Statement;
using sqlite_support::Transaction;

SqliteTrialStore::SqliteTrialStore(const std::string& path, const std::string& sweep) : path_(path), sweep_(sweep) {
  const int code = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  try {
    if (code != SQLITE_OK) fail({db_, path_, "opening it"}, code);
    configure();
    ensure_schema();
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteTrialStore::~SqliteTrialStore() {
  sqlite3_close_v2(db_);
}

void SqliteTrialStore::configure() {
  const Context context{db_, path_, "opening it"};
  sqlite3_extended_result_codes(db_, 1);
  // Set before anything touches the file: many workers open it at once.
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  // Switching to WAL needs the file to itself and answers SQLITE_BUSY at once,
  // without the busy handler, when other workers open it at the same moment:
  // retry until one of them has switched it (the mode is stored in the file).
  std::string mode;
  for (const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);;) {
    sqlite3_stmt* wal = nullptr;
    int code = sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &wal, nullptr);
    if (code == SQLITE_OK) code = sqlite3_step(wal);
    if (code == SQLITE_ROW) mode = reinterpret_cast<const char*>(sqlite3_column_text(wal, 0));
    sqlite3_finalize(wal);
    if (code == SQLITE_ROW) break;
    if ((code & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) fail(context, code);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (mode != "wal") {
    input_error(
        "{}: cannot switch the SQLite store to WAL journal mode (it stays '{}'); keep it on a local file system", path_,
        mode);
  }
  // FULL syncs the WAL on every commit. NORMAL would survive a killed process
  // too, but could lose the last commits on power loss; the store writes a few
  // times per epoch, so the extra fsync costs nothing next to training.
  execute(context, "PRAGMA synchronous=FULL");
}

void SqliteTrialStore::ensure_schema() {
  const Context context{db_, path_, "creating its tables"};
  Transaction transaction(context);
  execute(context, "CREATE TABLE IF NOT EXISTS sweeps (name TEXT PRIMARY KEY, meaning TEXT NOT NULL, created REAL)");
  execute(context,
          "CREATE TABLE IF NOT EXISTS trials (sweep TEXT NOT NULL, trial INTEGER NOT NULL, params_json TEXT NOT NULL, "
          "status TEXT NOT NULL, worker TEXT NOT NULL DEFAULT '', heartbeat REAL NOT NULL DEFAULT 0, "
          "message TEXT NOT NULL DEFAULT '', PRIMARY KEY (sweep, trial))");
  execute(context,
          "CREATE TABLE IF NOT EXISTS folds (sweep TEXT NOT NULL, trial INTEGER NOT NULL, fold INTEGER NOT NULL, "
          "value REAL, best_epoch INTEGER NOT NULL, epochs INTEGER NOT NULL, pruned INTEGER NOT NULL, "
          "fit_seconds REAL NOT NULL DEFAULT 0, score_seconds REAL NOT NULL DEFAULT 0, "
          "objectives_json TEXT NOT NULL DEFAULT '', PRIMARY KEY (sweep, trial, fold))");
  execute(context,
          "CREATE TABLE IF NOT EXISTS intermediate (sweep TEXT NOT NULL, trial INTEGER NOT NULL, "
          "fold INTEGER NOT NULL, epoch INTEGER NOT NULL, value REAL, objectives_json TEXT NOT NULL DEFAULT '', "
          "PRIMARY KEY (sweep, trial, fold, epoch))");
  auto columns_of = [&](const std::string& table) {
    Statement info(context, ("PRAGMA table_info(" + table + ")").c_str());
    std::set<std::string> present;
    while (info.step()) present.insert(info.text(1));
    return present;
  };
  // A store an earlier attune created gets the columns added since.
  for (const auto& added : trial_store_schema::added_columns()) {
    const auto present = columns_of(added.table);
    if (present.count("sweep") && !present.count(added.column)) {
      execute(context, ("ALTER TABLE " + added.table + " ADD COLUMN " + added.column +
                        (added.text ? " TEXT NOT NULL DEFAULT ''" : " REAL NOT NULL DEFAULT 0"))
                           .c_str());
    }
  }
  for (const auto& [table, expected] : trial_store_schema::expected_columns()) {
    trial_store_schema::check_columns(path_, table, columns_of(table), expected);
  }
  // After the column check: on a foreign `intermediate` table this would fail less clearly.
  execute(context, "CREATE INDEX IF NOT EXISTS attune_intermediate_by_epoch ON intermediate (sweep, fold, epoch)");
  transaction.commit();
}

int64_t SqliteTrialStore::open_sweep(const std::string& meaning_json,
                                     const std::vector<std::string>& trial_params_json) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "opening the sweep"};
  // The write lock makes check-then-insert atomic: a racing opener waits, then
  // finds the sweep and the trials this one added.
  Transaction transaction(context);
  Statement existing(context, "SELECT meaning FROM sweeps WHERE name = ?1");
  existing.bind(1, sweep_);
  if (existing.step()) {
    trial_store_schema::check_meaning(path_, sweep_, existing.text(0), meaning_json);
  } else {
    Statement sweep(context, "INSERT INTO sweeps (name, meaning, created) VALUES (?1, ?2, ?3)");
    sweep.bind(1, sweep_).bind(2, meaning_json).bind(3, trial_store_schema::unix_now()).run();
  }
  std::vector<std::pair<int64_t, std::string>> stored;
  Statement select(context, "SELECT trial, params_json FROM trials WHERE sweep = ?1 ORDER BY trial");
  select.bind(1, sweep_);
  while (select.step()) stored.emplace_back(select.integer(0), select.text(1));
  const auto added = trial_store_schema::trials_to_add(path_, stored, trial_params_json);
  Statement insert(context, "INSERT INTO trials (sweep, trial, params_json, status) VALUES (?1, ?2, ?3, 'pending')");
  for (const auto& [trial, params] : added) {
    insert.bind(1, sweep_).bind(2, trial).bind(3, params).run();
    insert.reset();
  }
  transaction.commit();
  return static_cast<int64_t>(added.size());
}

std::optional<int64_t> SqliteTrialStore::add_trial(const std::string& params_json, const std::string& worker,
                                                   int64_t max_trials) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "adding a trial"};
  Transaction transaction(context);  // the write lock: count-then-insert is one step
  Statement count(context, "SELECT COUNT(*), COALESCE(MAX(trial) + 1, 0) FROM trials WHERE sweep = ?1");
  count.bind(1, sweep_);
  count.step();
  if (count.integer(0) >= max_trials) return std::nullopt;
  const int64_t trial = count.integer(1);
  Statement insert(context,
                   "INSERT INTO trials (sweep, trial, params_json, status, worker, heartbeat) VALUES (?1, ?2, ?3, "
                   "'running', ?4, ?5)");
  insert.bind(1, sweep_).bind(2, trial).bind(3, params_json).bind(4, worker).bind(5, trial_store_schema::unix_now());
  insert.run();
  transaction.commit();
  return trial;
}

std::optional<int64_t> SqliteTrialStore::claim_trial(const std::string& worker, double stale_after_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "claiming a trial"};
  Transaction transaction(context);
  const double now = trial_store_schema::unix_now();
  Statement claim(context,
                  "UPDATE trials SET status = 'running', worker = ?2, heartbeat = ?3 WHERE sweep = ?1 AND trial = "
                  "(SELECT trial FROM trials WHERE sweep = ?1 AND (status = 'pending' OR "
                  "(status = 'running' AND heartbeat < ?4)) ORDER BY trial LIMIT 1) RETURNING trial");
  claim.bind(1, sweep_).bind(2, worker).bind(3, now).bind(4, now - stale_after_seconds);
  std::optional<int64_t> trial;
  if (claim.step()) trial = claim.integer(0);
  claim.run();
  transaction.commit();
  return trial;
}

void SqliteTrialStore::heartbeat(int64_t trial, const std::string& worker) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "recording a heartbeat"};
  Transaction transaction(context);
  Statement update(context,
                   "UPDATE trials SET heartbeat = ?4 WHERE sweep = ?1 AND trial = ?2 AND worker = ?3 "
                   "AND status = 'running'");
  update.bind(1, sweep_).bind(2, trial).bind(3, worker).bind(4, trial_store_schema::unix_now()).run();
  transaction.commit();
}

bool SqliteTrialStore::release_trial(int64_t trial, const std::string& worker) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "releasing a trial"};
  Transaction transaction(context);
  Statement update(context,
                   "UPDATE trials SET status = 'pending' WHERE sweep = ?1 AND trial = ?2 AND worker = ?3 "
                   "AND status = 'running'");
  update.bind(1, sweep_).bind(2, trial).bind(3, worker).run();
  const bool released = sqlite3_changes(db_) > 0;
  transaction.commit();
  return released;
}

void SqliteTrialStore::report_intermediate(const IntermediateRecord& record) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "recording an intermediate value"};
  Transaction transaction(context);
  Statement insert(context,
                   "INSERT OR REPLACE INTO intermediate (sweep, trial, fold, epoch, value, objectives_json) VALUES "
                   "(?1, ?2, ?3, ?4, ?5, ?6)");
  insert.bind(1, sweep_).bind(2, record.trial).bind(3, record.fold).bind(4, record.epoch).bind(5, record.value);
  insert.bind(6, trial_store_schema::objectives_to_json(record.objectives)).run();
  transaction.commit();
}

std::vector<IntermediateRecord> SqliteTrialStore::intermediate_values(int64_t fold, int64_t epoch) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "reading intermediate values"};
  Statement select(context,
                   "SELECT trial, value, objectives_json FROM intermediate WHERE sweep = ?1 AND fold = ?2 AND "
                   "epoch = ?3 ORDER BY trial");
  select.bind(1, sweep_).bind(2, fold).bind(3, epoch);
  std::vector<IntermediateRecord> records;
  while (select.step()) {
    records.push_back({select.integer(0), fold, epoch, select.real(1),
                       trial_store_schema::objectives_from_json(path_, select.text(2))});
  }
  return records;
}

std::vector<IntermediateRecord> SqliteTrialStore::fold_history(int64_t trial, int64_t fold) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "reading a fold's values"};
  Statement select(context,
                   "SELECT epoch, value, objectives_json FROM intermediate WHERE sweep = ?1 AND trial = ?2 AND "
                   "fold = ?3 ORDER BY epoch");
  select.bind(1, sweep_).bind(2, trial).bind(3, fold);
  std::vector<IntermediateRecord> records;
  while (select.step()) {
    records.push_back({trial, fold, select.integer(0), select.real(1),
                       trial_store_schema::objectives_from_json(path_, select.text(2))});
  }
  return records;
}

void SqliteTrialStore::record_fold(const FoldRecord& record) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "recording a fold"};
  Transaction transaction(context);
  Statement insert(context,
                   "INSERT OR REPLACE INTO folds (sweep, trial, fold, value, best_epoch, epochs, pruned, "
                   "fit_seconds, score_seconds, objectives_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  insert.bind(1, sweep_).bind(2, record.trial).bind(3, record.fold).bind(4, record.value).bind(5, record.best_epoch);
  insert.bind(6, record.epochs).bind(7, static_cast<int64_t>(record.pruned ? 1 : 0));
  insert.bind(8, record.fit_seconds).bind(9, record.score_seconds);
  insert.bind(10, trial_store_schema::objectives_to_json(record.objectives)).run();
  transaction.commit();
}

std::vector<FoldRecord> SqliteTrialStore::folds(int64_t trial) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "reading folds"};
  Statement select(
      context,
      "SELECT fold, value, best_epoch, epochs, pruned, fit_seconds, score_seconds, objectives_json FROM folds "
      "WHERE sweep = ?1 AND trial = ?2 ORDER BY fold");
  select.bind(1, sweep_).bind(2, trial);
  std::vector<FoldRecord> records;
  while (select.step()) {
    records.push_back({trial, select.integer(0), select.real(1), select.integer(2), select.integer(3),
                       select.integer(4) != 0, select.real(5), select.real(6),
                       trial_store_schema::objectives_from_json(path_, select.text(7))});
  }
  return records;
}

void SqliteTrialStore::finish_trial(int64_t trial, const std::string& worker, TrialStatus status,
                                    const std::string& message) {
  trial_store_schema::check_final_status(status);
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "finishing a trial"};
  Transaction transaction(context);
  // A worker that lost its trial to a stale-heartbeat reclaim changes nothing: the new holder finishes it.
  Statement update(context,
                   "UPDATE trials SET status = ?4, message = ?5, heartbeat = ?6 WHERE sweep = ?1 AND trial = ?2 "
                   "AND worker = ?3 AND status = 'running'");
  update.bind(1, sweep_).bind(2, trial).bind(3, worker).bind(4, to_string(status)).bind(5, message);
  update.bind(6, trial_store_schema::unix_now()).run();
  transaction.commit();
}

std::vector<TrialRecord> SqliteTrialStore::trials() {
  std::lock_guard<std::mutex> lock(mutex_);
  const Context context{db_, path_, "reading trials"};
  Statement select(context,
                   "SELECT trial, params_json, status, worker, heartbeat, message FROM trials WHERE sweep = ?1 "
                   "ORDER BY trial");
  select.bind(1, sweep_);
  std::vector<TrialRecord> records;
  while (select.step()) {
    records.push_back({select.integer(0), select.text(1), trial_store_schema::parse_status(path_, select.text(2)),
                       select.text(3), select.real(4), select.text(5)});
  }
  return records;
}

}  // namespace attune
