#pragma once

#include <torch/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace attune {

/// GradScaler's settings, with its defaults.
struct LossScalerOptions {
  double init_scale = 65536.0;  // 2^16
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int64_t growth_interval = 2000;
};

/// `precision: fp16`'s dynamic loss scaling, decision for decision as
/// PyTorch's torch.cuda.amp.GradScaler: the loss is multiplied by the scale
/// before backward; the gradients are multiplied by the scale's float32
/// reciprocal (taken in float64) and checked; a step with any non-finite
/// gradient is skipped and the scale multiplied by backoff_factor (tracker
/// reset), and after growth_interval finite steps in a row it is multiplied
/// by growth_factor unless that would overflow float32. The scale is float32
/// and the products are taken in float64 and rounded, as its kernels do.
class LossScaler {
 public:
  explicit LossScaler(LossScalerOptions options = {});

  float scale() const { return scale_; }
  int32_t growth_tracker() const { return growth_tracker_; }

  /// Unscales the gradients in place (all of them, as GradScaler does) and
  /// returns whether any was NaN or Inf: the step must then be skipped.
  bool unscale(const std::vector<torch::Tensor>& gradients) const;
  /// GradScaler.update(): the scale for the next step.
  void update(bool found_nonfinite);

  /// GradScaler.state_dict()'s keys and values.
  nlohmann::json state() const;
  void load_state(const nlohmann::json& state);

 private:
  LossScalerOptions options_;
  float scale_;
  int32_t growth_tracker_ = 0;
};

}  // namespace attune
