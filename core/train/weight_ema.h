#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace attune {

/// train.ema: an exponential moving average of a model's trainable
/// parameters (timm's ModelEmaV2, Lightning's EMA weight averaging), kept
/// beside them on their device. After each optimizer step
///     average = d x average + (1 - d) x parameter,
/// d = decay, or with warmup min(decay, (1 + n) / (10 + n)) for the n-th
/// update (from 0), as TensorFlow's ExponentialMovingAverage(num_updates).
class WeightEma {
 public:
  WeightEma(std::vector<torch::Tensor> parameters, double decay, bool warmup);

  /// The decay the next update uses.
  double next_decay() const;
  /// Moves the average towards the parameters' current values.
  void update();
  /// Exchanges the parameters' values with the average: evaluating or saving
  /// the average between two swaps leaves the parameters as they were.
  void swap();

  /// The average, one tensor per parameter (what a checkpoint keeps).
  std::vector<torch::Tensor>& average() { return average_; }
  int64_t updates() const { return updates_; }
  void set_updates(int64_t updates) { updates_ = updates; }

 private:
  std::vector<torch::Tensor> parameters_;
  std::vector<torch::Tensor> average_;
  double decay_;
  bool warmup_;
  int64_t updates_ = 0;
};

}  // namespace attune
