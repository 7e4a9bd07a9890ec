#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/dropout.h"
#include "models/parameter_count.h"

namespace attune {

/// Multi-head self-attention (Vaswani et al. 2017) with one fused input
/// projection for queries, keys and values (`in_proj`, as
/// torch.nn.MultiheadAttention) and an output projection (`out_proj`).
class MultiHeadSelfAttentionImpl : public torch::nn::Module {
 public:
  MultiHeadSelfAttentionImpl(int64_t hidden_dim, int64_t num_heads, double dropout);
  /// The parameters the constructor makes, without making them.
  static ParameterCount parameter_count(int64_t hidden_dim);

  /// x: [B, L, H]. additive_mask: [B, 1, 1, L] added to the attention scores
  /// (0 for real keys, a large negative number for padding), or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& additive_mask);

  torch::nn::Linear in_proj{nullptr};
  torch::nn::Linear out_proj{nullptr};

 private:
  int64_t num_heads_;
  Dropout dropout_{nullptr};
};
TORCH_MODULE(MultiHeadSelfAttention);

/// [B, L] attention mask (1 real, 0 padding) -> [B, 1, 1, L] additive mask in
/// `dtype`, as HuggingFace builds it (the dtype's lowest value for padding).
torch::Tensor additive_padding_mask(const torch::Tensor& attention_mask, torch::ScalarType dtype);

}  // namespace attune
