#pragma once

#include <string>

#include "tests/support/test_support.h"

namespace attune::testing {

/// Writes a small real experiment into `dir`: the first `train_rows` SST-2 dev
/// sentences to train on and the next ones to validate on, a 1-layer
/// 16-wide transformer, `extra` YAML appended. Returns the YAML's path.
std::string write_tiny_experiment(const TempDir& dir, size_t train_rows = 64, const std::string& extra = "");

}  // namespace attune::testing
