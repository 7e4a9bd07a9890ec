#include "core/data/permutation.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace attune {

std::vector<int64_t> seeded_permutation(int64_t size, uint64_t seed) {
  std::vector<int64_t> order(static_cast<size_t>(size));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  for (int64_t i = size - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
    std::swap(order[i], order[j]);
  }
  return order;
}

uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  // splitmix64 finaliser: nearby inputs give unrelated outputs.
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<int64_t> index_range(int64_t begin, int64_t end) {
  std::vector<int64_t> indices(static_cast<size_t>(std::max<int64_t>(end - begin, 0)));
  std::iota(indices.begin(), indices.end(), begin);
  return indices;
}

std::vector<int64_t> epoch_order(int64_t size, uint64_t seed, int64_t epoch) {
  return seeded_permutation(size, mix_seed(seed, 1000000 + static_cast<uint64_t>(epoch)));
}

}  // namespace attune
