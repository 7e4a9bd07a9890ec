#include "core/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/data/permutation.h"

ATTUNE_DEFINE_REGISTRY(attune::DataKind)

namespace attune {

std::shared_ptr<Dataset> DataModule::encode_texts(const std::vector<std::string>&) const {
  input_error("this run's data is not text: `--data -` (one text per line on stdin) is for text runs; give a file");
}

std::pair<std::vector<int64_t>, std::vector<int64_t>> split_indices(int64_t size, double fraction, uint64_t seed) {
  const std::vector<int64_t> order = seeded_permutation(size, mix_seed(seed, 0x5911));
  const auto valid_count = static_cast<int64_t>(std::llround(fraction * static_cast<double>(size)));
  std::vector<int64_t> valid(order.begin(), order.begin() + valid_count);
  std::vector<int64_t> train(order.begin() + valid_count, order.end());
  std::sort(valid.begin(), valid.end());
  std::sort(train.begin(), train.end());
  return {train, valid};
}

void SplitDataModule::set_splits(std::shared_ptr<Dataset> train, std::shared_ptr<Dataset> valid, double valid_fraction,
                                 uint64_t seed) {
  train_ = std::move(train);
  if (valid) {
    valid_ = std::move(valid);
    train_indices_ = index_range(0, train_->size());
    valid_indices_ = index_range(0, valid_->size());
  } else {
    valid_ = train_;
    std::tie(train_indices_, valid_indices_) = split_indices(train_->size(), valid_fraction, seed);
  }
}

}  // namespace attune
