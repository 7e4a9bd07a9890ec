#pragma once

#include <torch/optim/optimizer.h>

#include <memory>
#include <optional>
#include <vector>

namespace attune {

/// An optimizer's param groups as learning-rate schedulers see them: each
/// group's lr, its `initial_lr` (PyTorch's base lr, taken once when the first
/// scheduler is built) and its momentum, which is SGD's `momentum` or Adam's
/// beta1 (what one_cycle and cyclic cycle).
class ParamGroups {
 public:
  explicit ParamGroups(torch::optim::Optimizer& optimizer);

  size_t size() const { return initial_lrs_.size(); }
  double lr(size_t group) const;
  void set_lr(size_t group, double lr);
  /// PyTorch's `group['initial_lr']`: the base lr schedulers scale from. The
  /// first scheduler built sets it to the group's lr then (`setdefault`);
  /// one_cycle overrides it.
  std::vector<double> initial_lrs() const;
  void setdefault_initial_lrs();
  void set_initial_lr(size_t group, double lr) { initial_lrs_.at(group) = lr; }
  std::vector<double> lrs() const;

  /// Whether the group's optimizer has a momentum to cycle.
  bool has_momentum(size_t group) const;
  double momentum(size_t group) const;
  void set_momentum(size_t group, double momentum);

 private:
  torch::optim::OptimizerOptions& options(size_t group) const;

  torch::optim::Optimizer* optimizer_;
  std::vector<std::optional<double>> initial_lrs_;
};

}  // namespace attune
