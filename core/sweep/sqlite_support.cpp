#include "core/sweep/sqlite_support.h"

#include "core/error.h"

namespace attune::sqlite_support {

void fail(const Context& context, int code, bool preparing) {
  const std::string message = context.db ? sqlite3_errmsg(context.db) : sqlite3_errstr(code);
  switch (code & 0xff) {
    case SQLITE_NOTADB:
      input_error("{}: not an SQLite database ({})", context.path, message);
    case SQLITE_CORRUPT:
      input_error("{}: the SQLite store is corrupt ({}) while {}; restore it or use another store", context.path,
                  message, context.doing);
    case SQLITE_CANTOPEN:
      input_error("{}: cannot open the SQLite store ({}); check that its folder exists and is writable", context.path,
                  message);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      input_error("{}: cannot write the SQLite store ({}) while {}", context.path, message, context.doing);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      runtime_error("{}: the SQLite store stayed locked by another process (waited {} s) while {} ({})", context.path,
                    kBusyTimeoutMs / 1000, context.doing, message);
    case SQLITE_ERROR:
      // Our statements are fixed, so one that does not compile meets tables of another layout.
      if (preparing) {
        input_error("{}: the store's tables do not match this attune version ({}) while {}; use another store",
                    context.path, message, context.doing);
      }
      break;
    default:
      break;
  }
  runtime_error("{}: SQLite error while {}: {}", context.path, context.doing, message);
}

}  // namespace attune::sqlite_support
