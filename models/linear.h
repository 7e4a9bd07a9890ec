#pragma once

#include <torch/nn/modules/linear.h>

namespace attune {

/// x W^T + b for a torch::nn::Linear, through at::linear: for a contiguous
/// [B, L, in] x that is one addmm with the bias as its starting value, where
/// LibTorch 1.13's Linear::forward runs a matmul and then a separate pass
/// adding the bias.
inline torch::Tensor apply_linear(const torch::nn::Linear& layer, const torch::Tensor& x) {
  return torch::linear(x, layer->weight, layer->bias);
}

}  // namespace attune
