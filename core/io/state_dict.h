#pragma once

#include <torch/torch.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attune {

/// Named tensors in the order the file stores them: what the weight-file readers return.
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

/// The tensor called `name`, or nullptr. A linear scan: state dicts are small and this keeps file order.
inline const torch::Tensor* find(const StateDict& state_dict, std::string_view name) {
  for (const auto& [key, tensor] : state_dict) {
    if (key == name) return &tensor;
  }
  return nullptr;
}

}  // namespace attune
