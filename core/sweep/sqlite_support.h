#pragma once

// Internal to SqliteTrialStore: RAII statements and transactions over the
// sqlite3 C API, turning result codes into attune errors.

#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <string>

namespace attune::sqlite_support {

constexpr int kBusyTimeoutMs = 30000;

/// The database, its file name for messages and what the caller is doing.
struct Context {
  sqlite3* db;
  const std::string& path;
  const char* doing;
};

/// Turns an SQLite result code into an attune error: the user's problems (no
/// database, corrupt, unwritable, foreign tables) are InputErrors. `preparing`:
/// the code came from compiling a statement.
[[noreturn]] void fail(const Context& context, int code, bool preparing = false);

/// One prepared statement, finalised on scope exit.
class Statement {
 public:
  Statement(const Context& context, const char* sql) : context_(context) {
    const int code = sqlite3_prepare_v2(context.db, sql, -1, &stmt_, nullptr);
    if (code != SQLITE_OK) fail(context, code, true);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& value) {
    return check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
  }
  Statement& bind(int index, int64_t value) { return check(sqlite3_bind_int64(stmt_, index, value)); }
  // NaN binds as NULL, which SQLite does anyway; real() reads it back as NaN.
  Statement& bind(int index, double value) { return check(sqlite3_bind_double(stmt_, index, value)); }

  /// Advances: true while there is a row.
  bool step() {
    const int code = sqlite3_step(stmt_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    fail(context_, code);
  }
  /// Runs to completion (a RETURNING statement must finish before COMMIT).
  void run() {
    while (step()) {
    }
  }

  /// Ready to run again with new bindings.
  void reset() { sqlite3_reset(stmt_); }

  int64_t integer(int column) { return sqlite3_column_int64(stmt_, column); }
  double real(int column) {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::numeric_limits<double>::quiet_NaN();
    return sqlite3_column_double(stmt_, column);
  }
  std::string text(int column) {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return data ? std::string(data, sqlite3_column_bytes(stmt_, column)) : std::string();
  }

 private:
  Statement& check(int code) {
    if (code != SQLITE_OK) fail(context_, code);
    return *this;
  }

  const Context& context_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// Runs a statement that returns nothing of interest.
inline void execute(const Context& context, const char* sql) {
  Statement(context, sql).run();
}

/// A write transaction: BEGIN IMMEDIATE takes the write lock up front (waiting
/// out the busy timeout), so nothing read inside can change before the write.
/// Rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(const Context& context) : context_(context) { execute(context, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(context_.db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    execute(context_, "COMMIT");
    done_ = true;
  }

 private:
  const Context& context_;
  bool done_ = false;
};

}  // namespace attune::sqlite_support
