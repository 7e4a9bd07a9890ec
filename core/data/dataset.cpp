#include "core/data/dataset.h"

#include <algorithm>
#include <cmath>

#include "core/data/permutation.h"

ATTUNE_DEFINE_REGISTRY(attune::DataKind)

namespace attune {

std::pair<std::vector<int64_t>, std::vector<int64_t>> split_indices(int64_t size, double fraction,
                                                                    uint64_t seed) {
  const std::vector<int64_t> order = seeded_permutation(size, mix_seed(seed, 0x5911));
  const auto valid_count = static_cast<int64_t>(std::llround(fraction * static_cast<double>(size)));
  std::vector<int64_t> valid(order.begin(), order.begin() + valid_count);
  std::vector<int64_t> train(order.begin() + valid_count, order.end());
  std::sort(valid.begin(), valid.end());
  std::sort(train.begin(), train.end());
  return {train, valid};
}

}  // namespace attune
