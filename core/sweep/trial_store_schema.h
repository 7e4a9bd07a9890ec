#pragma once

// Internal to the trial store backends: the logical schema both share and the
// checks both make, so that SQLite and PostgreSQL stay interchangeable.

#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/sweep/trial_store.h"

namespace attune::trial_store_schema {

/// The columns each table must have (the DDL lives with each backend, as the
/// types differ); an existing table without one of them belongs to someone else.
inline const std::vector<std::pair<std::string, std::vector<std::string>>>& expected_columns() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> tables = {
      {"sweeps", {"name", "meaning", "created"}},
      {"trials", {"sweep", "trial", "params_json", "status", "worker", "heartbeat", "message"}},
      {"folds",
       {"sweep", "trial", "fold", "value", "best_epoch", "epochs", "pruned", "fit_seconds", "score_seconds",
        "objectives_json"}},
      {"intermediate", {"sweep", "trial", "fold", "epoch", "value", "objectives_json"}},
  };
  return tables;
}

/// A column a later attune version added to a table that an earlier one
/// created; each backend adds it with its type's empty default (0, '') for
/// the rows before.
struct AddedColumn {
  std::string table;
  std::string column;
  bool text = false;  // TEXT '' rather than REAL 0
};
inline const std::vector<AddedColumn>& added_columns() {
  static const std::vector<AddedColumn> columns = {{"folds", "fit_seconds", false},
                                                   {"folds", "score_seconds", false},
                                                   {"folds", "objectives_json", true},
                                                   {"intermediate", "objectives_json", true}};
  return columns;
}

/// Several objectives' values as the store keeps them: a JSON array, NaN as
/// null; "" for none (a single-objective sweep, or a row from before).
inline std::string objectives_to_json(const std::vector<double>& values) {
  if (values.empty()) return "";
  nlohmann::json array = nlohmann::json::array();
  for (double v : values) array.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
  return array.dump();
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

namespace detail {

/// `value` with every number as a double, so that 2 and 2.0 compare alike.
inline nlohmann::json numbers_as_doubles(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_object() || value.is_array()) {
    nlohmann::json copy = value;
    for (auto& item : copy) item = numbers_as_doubles(item);
    return copy;
  }
  return value;
}

/// A JSON text the store holds or is given, parsed; InputError naming the store otherwise.
template <typename Json = nlohmann::json>
Json parse_json(const std::string& store, const std::string& what, const std::string& text) {
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    input_error("{}: {} is not JSON ({}): the store comes from another program or attune version; use another store",
                store, what, e.what());
  }
}

}  // namespace detail

/// objectives_to_json's text read back; InputError naming the store for text no attune wrote.
inline std::vector<double> objectives_from_json(const std::string& store, const std::string& text) {
  std::vector<double> values;
  if (text.empty()) return values;
  const auto array = detail::parse_json(store, "a trial's objective values", text);
  if (!array.is_array()) input_error("{}: a trial's objective values are not a list: {}", store, text);
  for (const auto& v : array) values.push_back(v.is_number() ? v.get<double>() : std::nan(""));
  return values;
}

/// A trial's values in one spelling: keys sorted, every number a double. Two
/// trials with the same values match whatever order or notation they came in.
inline std::string canonical_params(const std::string& store, const std::string& params_json) {
  return detail::numbers_as_doubles(detail::parse_json(store, "a trial's values", params_json)).dump();
}

/// The trials open_sweep adds to `stored` (number, params_json) for a run
/// asking for `asked`: each asked trial takes the first stored one with the
/// same values not taken yet; the rest are new, numbered on from the last.
inline std::vector<std::pair<int64_t, std::string>> trials_to_add(
    const std::string& store, const std::vector<std::pair<int64_t, std::string>>& stored,
    const std::vector<std::string>& asked) {
  std::map<std::string, std::deque<int64_t>> unmatched;
  int64_t next = 0;
  for (const auto& [trial, params] : stored) {
    unmatched[canonical_params(store, params)].push_back(trial);
    next = std::max(next, trial + 1);
  }
  std::vector<std::pair<int64_t, std::string>> added;
  for (const auto& params : asked) {
    auto& same = unmatched[canonical_params(store, params)];
    if (same.empty()) {
      added.emplace_back(next++, params);
    } else {
      same.pop_front();
    }
  }
  return added;
}

/// InputError when the sweep `sweep` in `store` was made with another meaning
/// (see TrialStore::open_sweep) than this run's `current`: names the first
/// setting that differs, with both values, and how many others do.
inline void check_meaning(const std::string& store, const std::string& sweep, const std::string& stored_json,
                          const std::string& current_json) {
  // In the order written: the settings that say most (the searched keys) come first.
  using Ordered = nlohmann::ordered_json;
  const auto stored = detail::parse_json<Ordered>(store, "the sweep's settings", stored_json);
  const auto current = detail::parse_json<Ordered>(store, "this run's settings", current_json);
  auto text = [](const Ordered& value) { return value.is_string() ? value.get<std::string>() : value.dump(); };
  std::vector<std::string> changed;  // keys, in the stored order, then the new ones
  std::string first;
  for (const auto& [key, value] : stored.items()) {
    if (current.contains(key) && current.at(key) == value) continue;
    if (first.empty()) {
      first = current.contains(key)
                  ? fmt::format("was made with {}={}; this run has {}", key, text(value), text(current.at(key)))
                  : fmt::format("was made with {}={}; this run has no {}", key, text(value), key);
    }
    changed.push_back(key);
  }
  for (const auto& [key, value] : current.items()) {
    if (stored.contains(key)) continue;
    if (first.empty()) first = fmt::format("was made without {}; this run has {}={}", key, key, text(value));
    changed.push_back(key);
  }
  if (changed.empty()) return;
  std::string others;
  if (changed.size() > 1) {
    others = fmt::format(" (and {} more: ", changed.size() - 1);
    for (size_t i = 1; i < changed.size(); ++i) others += (i > 1 ? ", " : "") + changed[i];
    others += ")";
  }
  input_error(
      "sweep `{}` in {} {}{}: its finished trials would mean something else. Set it back to continue the sweep "
      "(raising `search.trials` or adding values to the grid is fine), or start another one: another --sweep-dir, "
      "or another `name:` in a shared store",
      sweep, store, first, others);
}

}  // namespace attune::trial_store_schema
