#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace attune {

/// One cross-validation fold: positions (into the split being folded) to
/// train on and to validate on.
struct Fold {
  std::vector<int64_t> train;
  std::vector<int64_t> valid;
};

/// Stratified k-fold (as scikit-learn's StratifiedKFold with shuffle): each
/// class's examples are shuffled from `seed` and dealt across the folds in
/// turn, so every fold keeps the class proportions (within one example per
/// class) and the folds are disjoint and cover everything. `labels[i]` is
/// example i's class.
std::vector<Fold> stratified_folds(const std::vector<int64_t>& labels, int64_t k, uint64_t seed);

}  // namespace attune
