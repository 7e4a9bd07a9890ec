#pragma once

#include <cstdint>
#include <vector>

#include "metrics/metric.h"

namespace attune {

/// Counts of (true class, predicted class) pairs over an evaluation, the
/// predicted class being the argmax of the logits (the first on ties, as
/// torch.argmax). Classes are those of the data, plus any larger id a
/// target names.
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(const Predictions& predictions, int64_t num_classes);

  int64_t classes() const { return classes_; }
  int64_t total() const { return total_; }
  int64_t count(int64_t truth, int64_t predicted) const { return counts_[truth * classes_ + predicted]; }
  int64_t true_count(int64_t c) const;       // tp + fn
  int64_t predicted_count(int64_t c) const;  // tp + fp
  int64_t correct() const;
  /// The classes that occur as a target or a prediction: scikit-learn's
  /// default label set for averaged scores (unique_labels(y_true, y_pred)).
  std::vector<int64_t> present_classes() const;

 private:
  int64_t classes_ = 0;
  int64_t total_ = 0;
  std::vector<int64_t> counts_;
};

}  // namespace attune
