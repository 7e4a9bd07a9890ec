#pragma once

#include <cstdint>
#include <vector>

namespace attune {

/// A seeded permutation of 0..size-1 (Fisher-Yates over mt19937_64): the same
/// on every platform and standard library, so that shuffles, splits and folds
/// reproduce anywhere from the seed alone.
std::vector<int64_t> seeded_permutation(int64_t size, uint64_t seed);

/// The positions begin, begin + 1, ..., end - 1 (a dataset's examples in order, or one batch of them).
std::vector<int64_t> index_range(int64_t begin, int64_t end);

/// Mixes a seed with a stream number (epoch, fold, purpose) into a new seed.
uint64_t mix_seed(uint64_t seed, uint64_t stream);

/// The order of a training split of `size` examples in epoch `epoch` (from
/// 1): a function of the run's seed and the epoch alone, so that a resumed
/// run, and lr-find's batches, draw what training draws.
std::vector<int64_t> epoch_order(int64_t size, uint64_t seed, int64_t epoch);

}  // namespace attune
