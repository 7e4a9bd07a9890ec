#include "core/train/weight_ema.h"

#include <algorithm>

namespace attune {

WeightEma::WeightEma(std::vector<torch::Tensor> parameters, double decay, bool warmup)
    : parameters_(std::move(parameters)), decay_(decay), warmup_(warmup) {
  torch::NoGradGuard no_grad;
  for (const auto& parameter : parameters_) average_.push_back(parameter.detach().clone());
}

double WeightEma::next_decay() const {
  if (!warmup_) return decay_;
  const auto n = static_cast<double>(updates_);
  return std::min(decay_, (1.0 + n) / (10.0 + n));
}

void WeightEma::update() {
  torch::NoGradGuard no_grad;
  const double decay = next_decay();
  // average + (1 - d) (parameter - average) = d average + (1 - d) parameter, as timm's lerp_.
  for (size_t i = 0; i < parameters_.size(); ++i) average_[i].lerp_(parameters_[i].detach(), 1.0 - decay);
  ++updates_;
}

void WeightEma::swap() {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const torch::Tensor held = parameters_[i].detach().clone();
    parameters_[i].detach().copy_(average_[i]);
    average_[i].copy_(held);
  }
}

}  // namespace attune
