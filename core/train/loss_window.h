#pragma once

#include <torch/types.h>

#include <cstdint>

namespace attune {
class Distributed;

/// The training loss summed over a window of steps (since the last
/// evaluation: metrics.csv's train_loss; since the last log line:
/// train.log_every_steps), kept on the device so that a step never waits
/// for it. Skipped steps add nothing.
class LossWindow {
 public:
  /// An empty window on `device`, or one holding what a checkpoint kept.
  explicit LossWindow(const torch::Device& device, double sum = 0.0, int64_t examples = 0);

  /// A step's mean loss over its global batch of `global_examples`, of which
  /// this rank had `own_examples`: adds this rank's summed loss.
  void add(const torch::Tensor& step_mean, int64_t global_examples, int64_t own_examples);
  /// The mean loss over the window, of every rank's examples in a
  /// data-parallel job (every rank calls it, and gets it); NaN when it has
  /// none (every step skipped: 0 would read as a perfect fit). Waits for the device.
  double mean(Distributed* distributed = nullptr) const;
  /// This rank's part, as a checkpoint keeps it.
  double sum() const;
  int64_t examples() const { return examples_; }

  /// Sums the window over a data-parallel job's ranks (every rank calls it):
  /// rank 0 holds the job's window and the others an empty one, so that a
  /// checkpoint written by rank 0 and read by all counts it once.
  void gather(Distributed* distributed, int64_t rank);
  void clear();

 private:
  /// The sum and the examples over every rank.
  torch::Tensor totals(Distributed* distributed) const;

  torch::Tensor sum_;  // float64 on the device
  int64_t examples_ = 0;
};

}  // namespace attune
