#include "core/search/folds.h"

#include <algorithm>
#include <map>

#include "core/data/permutation.h"
#include "core/error.h"

namespace attune {

std::vector<Fold> stratified_folds(const std::vector<int64_t>& labels, int64_t k, uint64_t seed) {
  if (k < 2) input_error("cross-validation needs at least 2 folds, got {}", k);
  if (static_cast<int64_t>(labels.size()) < k) {
    input_error("cross-validation with {} folds needs at least {} training examples, got {}", k, k, labels.size());
  }
  std::map<int64_t, std::vector<int64_t>> by_class;
  for (size_t i = 0; i < labels.size(); ++i) by_class[labels[i]].push_back(static_cast<int64_t>(i));
  std::vector<std::vector<int64_t>> assigned(static_cast<size_t>(k));
  // Dealing each class from where the previous one stopped keeps the folds'
  // sizes within one example of each other.
  int64_t next_fold = 0;
  for (auto& [label, members] : by_class) {
    const auto order =
        seeded_permutation(static_cast<int64_t>(members.size()), mix_seed(seed, static_cast<uint64_t>(label)));
    for (int64_t position : order) {
      assigned[static_cast<size_t>(next_fold)].push_back(members[static_cast<size_t>(position)]);
      next_fold = (next_fold + 1) % k;
    }
  }
  std::vector<Fold> folds(static_cast<size_t>(k));
  for (int64_t f = 0; f < k; ++f) {
    folds[f].valid = assigned[f];
    std::sort(folds[f].valid.begin(), folds[f].valid.end());
    for (int64_t g = 0; g < k; ++g) {
      if (g != f) folds[f].train.insert(folds[f].train.end(), assigned[g].begin(), assigned[g].end());
    }
    std::sort(folds[f].train.begin(), folds[f].train.end());
  }
  return folds;
}

}  // namespace attune
