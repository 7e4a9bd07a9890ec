#include "core/sweep/trial_store.h"

#include <cctype>

#include "core/error.h"
#include "core/sweep/postgres_trial_store.h"
#include "core/sweep/sqlite_trial_store.h"
#include "core/text/text_fields.h"

namespace attune {

std::string to_string(TrialStatus status) {
  switch (status) {
    case TrialStatus::pending:
      return "pending";
    case TrialStatus::running:
      return "running";
    case TrialStatus::complete:
      return "complete";
    case TrialStatus::pruned:
      return "pruned";
    case TrialStatus::failed:
      return "failed";
  }
  return "unknown";
}

TrialStatus trial_status_from_string(const std::string& text) {
  for (const auto status :
       {TrialStatus::pending, TrialStatus::running, TrialStatus::complete, TrialStatus::pruned, TrialStatus::failed}) {
    if (to_string(status) == text) return status;
  }
  input_error("unknown trial status '{}' (expected pending, running, complete, pruned or failed)", text);
}

namespace {

/// The scheme of `url` ("mysql" in mysql://...), or "" for a plain path.
std::string scheme_of(const std::string& url) {
  const size_t colon = url.find("://");
  if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(url[0]))) return "";
  for (size_t i = 0; i < colon; ++i) {
    const char c = url[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return "";
  }
  return url.substr(0, colon);
}

}  // namespace

std::unique_ptr<TrialStore> open_trial_store(const std::string& url, const std::string& sweep_name) {
  if (url.empty()) input_error("empty trial store URL: give a path, sqlite:///path.db or postgresql://...");
  if (sweep_name.empty()) input_error("{}: empty sweep name", url);
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
    return std::make_unique<PostgresTrialStore>(url, sweep_name);
  }
  std::string path = url;
  if (starts_with(url, "sqlite:")) {
    // sqlite:///abs/path.db keeps the third slash: the path is absolute.
    if (!starts_with(url, "sqlite://") || url.size() == 9) {
      input_error("{}: bad SQLite store URL: use sqlite:///absolute/path.db, sqlite://relative/path.db or a plain path",
                  url);
    }
    path = url.substr(9);
  } else if (const std::string scheme = scheme_of(url); !scheme.empty()) {
    input_error("{}: unsupported trial store '{}://': use a path, sqlite:///path.db or postgresql://user@host:port/db",
                url, scheme);
  }
  return std::make_unique<SqliteTrialStore>(path, sweep_name);
}

}  // namespace attune
