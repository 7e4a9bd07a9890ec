#include "core/train/loss_scaler.h"

#include <ATen/ops/_amp_foreach_non_finite_check_and_unscale.h>

#include <cmath>

namespace attune {

LossScaler::LossScaler(LossScalerOptions options) : options_(options), scale_(static_cast<float>(options.init_scale)) {}

bool LossScaler::unscale(const std::vector<torch::Tensor>& gradients) const {
  if (gradients.empty()) return false;
  // "FP32 division can be imprecise for certain compile options, so we carry
  // out the reciprocal in FP64" (GradScaler.unscale_).
  const auto inv = static_cast<float>(1.0 / static_cast<double>(scale_));
  const auto options = torch::TensorOptions(torch::kFloat).device(gradients.front().device());
  if (gradients.front().is_cuda()) {
    // GradScaler's own fused kernel: one launch, no host sync until the flag is read.
    auto found = torch::zeros({1}, options);
    at::_amp_foreach_non_finite_check_and_unscale_(gradients, found, torch::full({1}, inv, options));
    return found.item<float>() != 0.0F;
  }
  // LibTorch 1.13 has that kernel for CUDA only: the same arithmetic.
  torch::NoGradGuard no_grad;
  auto found = torch::zeros({}, torch::kBool);
  const auto inv_tensor = torch::full({}, inv, torch::kFloat);
  for (const auto& gradient : gradients) {
    found.logical_or_(torch::isfinite(gradient).logical_not().any());
    if (inv != 1.0F) gradient.mul_(inv_tensor);
  }
  return found.item<bool>();
}

void LossScaler::update(bool found_nonfinite) {
  // _amp_update_scale_'s kernel: float32 scale times a double factor.
  if (found_nonfinite) {
    scale_ = static_cast<float>(static_cast<double>(scale_) * options_.backoff_factor);
    growth_tracker_ = 0;
    return;
  }
  const int32_t successful = growth_tracker_ + 1;
  if (successful == options_.growth_interval) {
    const auto grown = static_cast<float>(static_cast<double>(scale_) * options_.growth_factor);
    if (std::isfinite(grown)) scale_ = grown;  // never past float32's range
    growth_tracker_ = 0;
  } else {
    growth_tracker_ = successful;
  }
}

nlohmann::json LossScaler::state() const {
  return {{"scale", scale_},
          {"growth_factor", options_.growth_factor},
          {"backoff_factor", options_.backoff_factor},
          {"growth_interval", options_.growth_interval},
          {"_growth_tracker", growth_tracker_}};
}

void LossScaler::load_state(const nlohmann::json& state) {
  scale_ = state.at("scale").get<float>();
  options_.growth_factor = state.at("growth_factor").get<double>();
  options_.backoff_factor = state.at("backoff_factor").get<double>();
  options_.growth_interval = state.at("growth_interval").get<int64_t>();
  growth_tracker_ = state.at("_growth_tracker").get<int32_t>();
}

}  // namespace attune
