#include "core/sweep/postgres_trial_store.h"

#include <cmath>
#include <limits>
#include <map>
#include <pqxx/pqxx>

#include "core/error.h"
#include "core/sweep/trial_store_schema.h"

namespace attune {

/// The libpqxx connection, replaced by a fresh one when the server drops it
/// (a restart, or a firewall closing a connection left idle through a long epoch).
struct PostgresTrialStore::Connection {
  explicit Connection(const std::string& url) : url(with_connect_timeout(url)) { connect(); }
  void connect() {
    connection = std::make_unique<pqxx::connection>(url);
    // CREATE and ON CONFLICT notices would go to stderr.
    pqxx::nontransaction(*connection).exec("SET client_min_messages = warning");
  }
  pqxx::connection& get() { return *connection; }

  /// libpq waits for an unreachable host as long as TCP does (minutes) unless told otherwise.
  static std::string with_connect_timeout(const std::string& url) {
    if (url.find("connect_timeout=") != std::string::npos) return url;
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=30";
  }

  std::string url;  // with the password: for connecting only, never for messages
  std::unique_ptr<pqxx::connection> connection;
};

namespace {

// Serialises schema creation across workers: concurrent CREATE TABLE IF NOT
// EXISTS can fail in PostgreSQL on its catalogs' unique indexes.
constexpr int64_t kSchemaLockKey = 0x617474756e65;  // "attune"

/// A libpq message on one line, without its trailing newline.
std::string one_line(const std::string& text) {
  std::string line;
  for (const char c : text) {
    if (c == '\n' || c == '\t' || c == '\r') {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      line += c;
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

/// Runs `body`, turning every libpqxx exception into an attune error naming
/// the store and what it was doing; attune's own errors pass unchanged. A lost
/// connection is re-opened and `body` run once more: safe for every method, as
/// the server rolls back a transaction whose connection died before COMMIT
/// (a break during COMMIT itself is an in_doubt_error, never retried).
template <typename Connection, typename Body>
auto guarded(const std::string& url, const char* doing, Connection& connection, Body&& body) -> decltype(body()) {
  for (int attempt = 0;; ++attempt) {
    try {
      return body();
    } catch (const Error&) {
      throw;
    } catch (const pqxx::in_doubt_error& e) {
      runtime_error("{}: the connection broke while committing {}; it may or may not have been saved: {}", url, doing,
                    one_line(e.what()));
    } catch (const pqxx::broken_connection& e) {
      std::string reconnect_error;
      if (attempt == 0) {
        try {
          connection.connect();
          continue;
        } catch (const std::exception& again) {
          reconnect_error = one_line(again.what());
        }
      }
      input_error("{}: lost the connection to PostgreSQL while {}: {}{}", url, doing, one_line(e.what()),
                  reconnect_error.empty() ? "" : "; reconnecting failed: " + reconnect_error);
    } catch (const pqxx::insufficient_privilege& e) {
      input_error("{}: PostgreSQL refused {}: {}", url, doing, one_line(e.what()));
    } catch (const pqxx::undefined_table& e) {
      input_error("{}: the store's tables do not match this attune version while {}: {}", url, doing,
                  one_line(e.what()));
    } catch (const pqxx::undefined_column& e) {
      input_error("{}: the store's tables do not match this attune version while {}: {}", url, doing,
                  one_line(e.what()));
    } catch (const std::exception& e) {
      runtime_error("{}: PostgreSQL error while {}: {}", url, doing, one_line(e.what()));
    }
  }
}

/// `values` as a PostgreSQL text[] literal, to insert any number of trials in one statement.
std::string text_array(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) literal += ',';
    literal += '"';
    for (const char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  return literal + "}";
}

double real(const pqxx::field& field) {
  return field.is_null() ? std::numeric_limits<double>::quiet_NaN() : field.as<double>();
}

const std::map<std::string, std::string>& table_ddl() {
  static const std::map<std::string, std::string> ddl = {
      {"sweeps", "CREATE TABLE sweeps (name text PRIMARY KEY, meaning text NOT NULL, created double precision)"},
      {"trials",
       "CREATE TABLE trials (sweep text NOT NULL, trial bigint NOT NULL, params_json text NOT NULL, "
       "status text NOT NULL, worker text NOT NULL DEFAULT '', heartbeat double precision NOT NULL DEFAULT 0, "
       "message text NOT NULL DEFAULT '', PRIMARY KEY (sweep, trial))"},
      {"folds",
       "CREATE TABLE folds (sweep text NOT NULL, trial bigint NOT NULL, fold bigint NOT NULL, value double precision, "
       "best_epoch bigint NOT NULL, epochs bigint NOT NULL, pruned boolean NOT NULL, "
       "fit_seconds double precision NOT NULL DEFAULT 0, score_seconds double precision NOT NULL DEFAULT 0, "
       "objectives_json text NOT NULL DEFAULT '', PRIMARY KEY (sweep, trial, fold))"},
      {"intermediate",
       "CREATE TABLE intermediate (sweep text NOT NULL, trial bigint NOT NULL, fold bigint NOT NULL, "
       "epoch bigint NOT NULL, value double precision, objectives_json text NOT NULL DEFAULT '', "
       "PRIMARY KEY (sweep, trial, fold, epoch)); "
       "CREATE INDEX attune_intermediate_by_epoch ON intermediate (sweep, fold, epoch)"},
  };
  return ddl;
}

}  // namespace

std::string mask_password(const std::string& url) {
  std::string masked = url;
  const size_t start = masked.find("://");
  if (start != std::string::npos) {
    const size_t host_end = masked.find_first_of("/?", start + 3);
    const size_t at = masked.rfind('@', host_end == std::string::npos ? std::string::npos : host_end);
    if (at != std::string::npos && at > start) {
      const size_t colon = masked.find(':', start + 3);
      if (colon != std::string::npos && colon < at) masked.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (size_t key = masked.find("password="); key != std::string::npos; key = masked.find("password=", key + 1)) {
    const size_t value = key + 9, end = masked.find('&', value);
    masked.replace(value, (end == std::string::npos ? masked.size() : end) - value, "***");
  }
  return masked;
}

PostgresTrialStore::PostgresTrialStore(const std::string& url, const std::string& sweep)
    : url_(mask_password(url)), sweep_(sweep) {
  try {
    connection_ = std::make_unique<Connection>(url);
  } catch (const std::exception& e) {
    input_error("{}: cannot connect to PostgreSQL: {}", url_, one_line(e.what()));
  }
  guarded(url_, "creating its tables", *connection_, [&] { ensure_schema(); });
}

PostgresTrialStore::~PostgresTrialStore() = default;

void PostgresTrialStore::ensure_schema() {
  pqxx::work tx(connection_->get());
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kSchemaLockKey);
  std::map<std::string, std::set<std::string>> present;
  for (const auto& row : tx.exec("SELECT table_name, column_name FROM information_schema.columns "
                                 "WHERE table_schema = current_schema() "
                                 "AND table_name IN ('sweeps', 'trials', 'folds', 'intermediate')")) {
    present[row[0].as<std::string>()].insert(row[1].as<std::string>());
  }
  // A store an earlier attune created gets the columns added since.
  for (const auto& added : trial_store_schema::added_columns()) {
    const auto table = present.find(added.table);  // find, not []: a missing table is created below
    if (table == present.end()) continue;
    auto& columns = table->second;
    if (columns.count("sweep") && !columns.count(added.column)) {
      tx.exec("ALTER TABLE " + added.table + " ADD COLUMN " + added.column +
              (added.text ? " text NOT NULL DEFAULT ''" : " double precision NOT NULL DEFAULT 0"));
      columns.insert(added.column);
    }
  }
  for (const auto& [table, expected] : trial_store_schema::expected_columns()) {
    if (present.count(table)) {
      trial_store_schema::check_columns(url_, table, present[table], expected);
    } else {
      tx.exec(table_ddl().at(table));
    }
  }
  tx.commit();
}

int64_t PostgresTrialStore::open_sweep(const std::string& meaning_json,
                                       const std::vector<std::string>& trial_params_json) {
  std::lock_guard<std::mutex> lock(mutex_);
  return guarded(url_, "opening the sweep", *connection_, [&] {
    pqxx::work tx(connection_->get());
    // A racing creator blocks on the primary key until the first commits, then inserts nothing.
    const auto inserted = tx.exec_params(
        "INSERT INTO sweeps (name, meaning, created) VALUES ($1, $2, extract(epoch from now())) "
        "ON CONFLICT (name) DO NOTHING",
        sweep_, meaning_json);
    // The sweep's row lock makes the read of its trials and the additions one
    // step: two machines growing the sweep at once add each new trial once.
    const auto existing = tx.exec_params("SELECT meaning FROM sweeps WHERE name = $1 FOR UPDATE", sweep_);
    if (inserted.affected_rows() == 0) {
      trial_store_schema::check_meaning(url_, sweep_, existing.empty() ? "{}" : existing[0][0].as<std::string>(),
                                        meaning_json);
    }
    std::vector<std::pair<int64_t, std::string>> stored;
    for (const auto& row :
         tx.exec_params("SELECT trial, params_json FROM trials WHERE sweep = $1 ORDER BY trial", sweep_)) {
      stored.emplace_back(row[0].as<int64_t>(), row[1].as<std::string>());
    }
    const auto added = trial_store_schema::trials_to_add(url_, stored, trial_params_json);
    if (!added.empty()) {
      std::vector<std::string> numbers, params;
      for (const auto& [trial, json] : added) {
        numbers.push_back(std::to_string(trial));
        params.push_back(json);
      }
      tx.exec_params(
          "INSERT INTO trials (sweep, trial, params_json, status) SELECT $1, number, params, 'pending' "
          "FROM unnest($2::bigint[], $3::text[]) AS t(number, params)",
          sweep_, text_array(numbers), text_array(params));
    }
    tx.commit();
    return static_cast<int64_t>(added.size());
  });
}

std::optional<int64_t> PostgresTrialStore::add_trial(const std::string& params_json, const std::string& worker,
                                                     int64_t max_trials) {
  std::lock_guard<std::mutex> lock(mutex_);
  return guarded(url_, "adding a trial", *connection_, [&] {
    pqxx::work tx(connection_->get());
    // The sweep's row lock serializes adders on every machine, so that the
    // count they check is the count they add to.
    tx.exec_params("SELECT 1 FROM sweeps WHERE name = $1 FOR UPDATE", sweep_);
    const auto count =
        tx.exec_params("SELECT COUNT(*), COALESCE(MAX(trial) + 1, 0) FROM trials WHERE sweep = $1", sweep_);
    if (count[0][0].as<int64_t>() >= max_trials) return std::optional<int64_t>();
    const auto trial = count[0][1].as<int64_t>();
    tx.exec_params(
        "INSERT INTO trials (sweep, trial, params_json, status, worker, heartbeat) VALUES ($1, $2, $3, 'running', "
        "$4, extract(epoch from now()))",
        sweep_, trial, params_json, worker);
    tx.commit();
    return std::optional<int64_t>(trial);
  });
}

std::optional<int64_t> PostgresTrialStore::claim_trial(const std::string& worker, double stale_after_seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  return guarded(url_, "claiming a trial", *connection_, [&] {
    pqxx::work tx(connection_->get());
    // SKIP LOCKED passes over rows another claim is taking; a row that changed
    // meanwhile is re-checked against the WHERE clause before it is locked.
    const auto claimed = tx.exec_params(
        "UPDATE trials SET status = 'running', worker = $2, heartbeat = extract(epoch from now()) "
        "WHERE sweep = $1 AND trial = (SELECT trial FROM trials WHERE sweep = $1 AND (status = 'pending' OR "
        "(status = 'running' AND heartbeat < extract(epoch from now())::float8 - $3::float8)) "
        "ORDER BY trial LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING trial",
        sweep_, worker, stale_after_seconds);
    tx.commit();
    return claimed.empty() ? std::nullopt : std::optional<int64_t>(claimed[0][0].as<int64_t>());
  });
}

void PostgresTrialStore::heartbeat(int64_t trial, const std::string& worker) {
  std::lock_guard<std::mutex> lock(mutex_);
  guarded(url_, "recording a heartbeat", *connection_, [&] {
    pqxx::work tx(connection_->get());
    tx.exec_params(
        "UPDATE trials SET heartbeat = extract(epoch from now()) WHERE sweep = $1 AND trial = $2 AND worker = $3 "
        "AND status = 'running'",
        sweep_, trial, worker);
    tx.commit();
  });
}

bool PostgresTrialStore::release_trial(int64_t trial, const std::string& worker) {
  std::lock_guard<std::mutex> lock(mutex_);
  return guarded(url_, "releasing a trial", *connection_, [&] {
    pqxx::work tx(connection_->get());
    const auto released = tx.exec_params(
        "UPDATE trials SET status = 'pending' WHERE sweep = $1 AND trial = $2 AND worker = $3 AND status = 'running'",
        sweep_, trial, worker);
    tx.commit();
    return released.affected_rows() > 0;
  });
}

void PostgresTrialStore::report_intermediate(const IntermediateRecord& record) {
  std::lock_guard<std::mutex> lock(mutex_);
  guarded(url_, "recording an intermediate value", *connection_, [&] {
    pqxx::work tx(connection_->get());
    tx.exec_params(
        "INSERT INTO intermediate (sweep, trial, fold, epoch, value, objectives_json) VALUES ($1, $2, $3, $4, "
        "$5::float8, $6) ON CONFLICT (sweep, trial, fold, epoch) DO UPDATE SET value = EXCLUDED.value, "
        "objectives_json = EXCLUDED.objectives_json",
        sweep_, record.trial, record.fold, record.epoch, record.value,
        trial_store_schema::objectives_to_json(record.objectives));
    tx.commit();
  });
}

std::vector<IntermediateRecord> PostgresTrialStore::intermediate_values(int64_t fold, int64_t epoch) {
  std::lock_guard<std::mutex> lock(mutex_);
  return guarded(url_, "reading intermediate values", *connection_, [&] {
    pqxx::work tx(connection_->get());
    std::vector<IntermediateRecord> records;
    for (const auto& row : tx.exec_params("SELECT trial, value, objectives_json FROM intermediate WHERE sweep = $1 "
                                          "AND fold = $2 AND epoch = $3 ORDER BY trial",
                                          sweep_, fold, epoch)) {
      records.push_back({row[0].as<int64_t>(), fold, epoch, real(row[1]),
                         trial_store_schema::objectives_from_json(url_, row[2].as<std::string>())});
    }
    tx.commit();
    return records;
  });
}

std::vector<IntermediateRecord> PostgresTrialStore::fold_history(int64_t trial, int64_t fold) {
  std::lock_guard<std::mutex> lock(mutex_);
  return guarded(url_, "reading a fold's values", *connection_, [&] {
    pqxx::work tx(connection_->get());
    std::vector<IntermediateRecord> records;
    for (const auto& row : tx.exec_params("SELECT epoch, value, objectives_json FROM intermediate WHERE sweep = $1 "
                                          "AND trial = $2 AND fold = $3 ORDER BY epoch",
                                          sweep_, trial, fold)) {
      records.push_back({trial, fold, row[0].as<int64_t>(), real(row[1]),
                         trial_store_schema::objectives_from_json(url_, row[2].as<std::string>())});
    }
    tx.commit();
    return records;
  });
}

void PostgresTrialStore::record_fold(const FoldRecord& record) {
  std::lock_guard<std::mutex> lock(mutex_);
  guarded(url_, "recording a fold", *connection_, [&] {
    pqxx::work tx(connection_->get());
    tx.exec_params(
        "INSERT INTO folds (sweep, trial, fold, value, best_epoch, epochs, pruned, fit_seconds, score_seconds, "
        "objectives_json) VALUES ($1, $2, $3, $4::float8, $5, $6, $7, $8::float8, $9::float8, $10) "
        "ON CONFLICT (sweep, trial, fold) DO UPDATE SET value = EXCLUDED.value, best_epoch = EXCLUDED.best_epoch, "
        "epochs = EXCLUDED.epochs, pruned = EXCLUDED.pruned, fit_seconds = EXCLUDED.fit_seconds, "
        "score_seconds = EXCLUDED.score_seconds, objectives_json = EXCLUDED.objectives_json",
        sweep_, record.trial, record.fold, record.value, record.best_epoch, record.epochs, record.pruned,
        record.fit_seconds, record.score_seconds, trial_store_schema::objectives_to_json(record.objectives));
    tx.commit();
  });
}

std::vector<FoldRecord> PostgresTrialStore::folds(int64_t trial) {
  std::lock_guard<std::mutex> lock(mutex_);
  return guarded(url_, "reading folds", *connection_, [&] {
    pqxx::work tx(connection_->get());
    std::vector<FoldRecord> records;
    for (const auto& row : tx.exec_params(
             "SELECT fold, value, best_epoch, epochs, pruned, fit_seconds, score_seconds, objectives_json FROM folds "
             "WHERE sweep = $1 AND trial = $2 ORDER BY fold",
             sweep_, trial)) {
      records.push_back({trial, row[0].as<int64_t>(), real(row[1]), row[2].as<int64_t>(), row[3].as<int64_t>(),
                         row[4].as<bool>(), real(row[5]), real(row[6]),
                         trial_store_schema::objectives_from_json(url_, row[7].as<std::string>())});
    }
    tx.commit();
    return records;
  });
}

void PostgresTrialStore::finish_trial(int64_t trial, const std::string& worker, TrialStatus status,
                                      const std::string& message) {
  trial_store_schema::check_final_status(status);
  std::lock_guard<std::mutex> lock(mutex_);
  guarded(url_, "finishing a trial", *connection_, [&] {
    pqxx::work tx(connection_->get());
    // A worker that lost its trial to a stale-heartbeat reclaim changes nothing: the new holder finishes it.
    tx.exec_params(
        "UPDATE trials SET status = $4, message = $5, heartbeat = extract(epoch from now()) "
        "WHERE sweep = $1 AND trial = $2 AND worker = $3 AND status = 'running'",
        sweep_, trial, worker, to_string(status), message);
    tx.commit();
  });
}

std::vector<TrialRecord> PostgresTrialStore::trials() {
  std::lock_guard<std::mutex> lock(mutex_);
  return guarded(url_, "reading trials", *connection_, [&] {
    pqxx::work tx(connection_->get());
    std::vector<TrialRecord> records;
    for (const auto& row : tx.exec_params("SELECT trial, params_json, status, worker, heartbeat, message FROM trials "
                                          "WHERE sweep = $1 ORDER BY trial",
                                          sweep_)) {
      records.push_back({row[0].as<int64_t>(), row[1].as<std::string>(),
                         trial_store_schema::parse_status(url_, row[2].as<std::string>()), row[3].as<std::string>(),
                         row[4].as<double>(), row[5].as<std::string>()});
    }
    tx.commit();
    return records;
  });
}

}  // namespace attune
