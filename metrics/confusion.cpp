#include "metrics/confusion.h"

#include <algorithm>

#include "core/error.h"

namespace attune {

ConfusionMatrix::ConfusionMatrix(const Predictions& p, int64_t num_classes) {
  if (p.outputs.dim() != 2 || p.targets.dim() != 1 || p.outputs.size(0) != p.targets.size(0)) {
    input_error("a classification metric needs logits [N, classes] and N class ids");
  }
  const torch::Tensor predicted = p.outputs.argmax(1).to(torch::kLong).contiguous();
  const torch::Tensor truth = p.targets.to(torch::kLong).contiguous();
  total_ = truth.size(0);
  classes_ = std::max(num_classes, p.outputs.size(1));
  if (total_ > 0) classes_ = std::max(classes_, truth.max().item<int64_t>() + 1);
  counts_.assign(static_cast<size_t>(classes_ * classes_), 0);
  const int64_t* t = truth.data_ptr<int64_t>();
  const int64_t* y = predicted.data_ptr<int64_t>();
  for (int64_t i = 0; i < total_; ++i) {
    if (t[i] < 0) input_error("a classification metric got the class id {}", t[i]);
    ++counts_[static_cast<size_t>(t[i] * classes_ + y[i])];
  }
}

int64_t ConfusionMatrix::true_count(int64_t c) const {
  int64_t sum = 0;
  for (int64_t j = 0; j < classes_; ++j) sum += count(c, j);
  return sum;
}

int64_t ConfusionMatrix::predicted_count(int64_t c) const {
  int64_t sum = 0;
  for (int64_t i = 0; i < classes_; ++i) sum += count(i, c);
  return sum;
}

int64_t ConfusionMatrix::correct() const {
  int64_t sum = 0;
  for (int64_t c = 0; c < classes_; ++c) sum += count(c, c);
  return sum;
}

std::vector<int64_t> ConfusionMatrix::present_classes() const {
  std::vector<int64_t> present;
  for (int64_t c = 0; c < classes_; ++c) {
    if (true_count(c) > 0 || predicted_count(c) > 0) present.push_back(c);
  }
  return present;
}

}  // namespace attune
