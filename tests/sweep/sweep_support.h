#pragma once

// What the sweep tests share: the tiny experiment with a `search:` section,
// a results.csv / metrics.csv reader and the environment every process runs in.

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/tiny_experiment.h"

namespace attune::testing {

/// Single-threaded BLAS everywhere, so that every process computes alike.
inline const std::vector<std::string> kSweepEnv = {"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1"};

/// The tiny experiment with a search section (grid, two folds); epochs come from overrides.
inline std::string sweep_experiment(
    const TempDir& dir, const std::string& pruner = "{type: none}",
    const std::string& space = "{optimizer.lr: [0.001, 0.003], model.num_heads: [1, 2]}", size_t rows = 96) {
  return write_tiny_experiment(
      dir, rows,
      fmt::format("threads: 1\nsearch:\n  strategy: grid\n  cv_folds: 2\n  pruner: {}\n  space: {}\n", pruner, space));
}

/// A CSV line's cells; a quoted cell may hold commas and doubled quotes.
inline std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      cells.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

/// A CSV file (one line per row) as rows of column name -> cell.
inline std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = csv_cells(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = csv_cells(line);
    std::map<std::string, std::string> row;
    for (size_t c = 0; c < header.size(); ++c) row[header[c]] = c < cells.size() ? cells[c] : "";
    rows.push_back(row);
  }
  return rows;
}

}  // namespace attune::testing
