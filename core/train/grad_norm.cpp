#include "core/train/grad_norm.h"

#include <torch/torch.h>

namespace attune {

torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& parameters, double max_norm) {
  std::vector<torch::Tensor> gradients, norms;
  for (const auto& parameter : parameters) {
    if (parameter.grad().defined()) gradients.push_back(parameter.grad());
  }
  if (gradients.empty()) return torch::zeros({}, torch::kDouble);
  norms.reserve(gradients.size());
  for (const auto& gradient : gradients) norms.push_back(gradient.data().norm(2));
  torch::Tensor total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);
  // As LibTorch: every gradient times min(1, max_norm / (norm + 1e-6)), a
  // multiply by exactly 1 included, so that the results are LibTorch's.
  const torch::Tensor factor = torch::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
  for (auto& gradient : gradients) gradient.data().mul_(factor);
  return total;
}

}  // namespace attune
