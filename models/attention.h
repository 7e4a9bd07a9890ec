#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <utility>
#include <vector>

#include "models/dropout.h"
#include "models/parameter_count.h"

namespace attune {

/// How an encoder's tokens are laid out. Padded: [B, L, H] rows with an
/// additive key mask ([B, 1, 1, L] as additive_padding_mask makes, or
/// undefined for none); a mask converts to this layout. Packed: [T, H] rows,
/// the sequences' real tokens one after another, `lengths` tokens each (no
/// padding computed at all; see PackedSequences).
struct TokenLayout {
  TokenLayout(torch::Tensor additive_mask = {})  // NOLINT(google-explicit-constructor): a mask is a padded layout
      : additive_mask(std::move(additive_mask)) {}
  static TokenLayout packed(std::vector<int64_t> lengths) {
    TokenLayout layout;
    layout.lengths = std::move(lengths);
    return layout;
  }
  bool is_packed() const { return !lengths.empty(); }

  torch::Tensor additive_mask;
  std::vector<int64_t> lengths;
};

/// Multi-head self-attention (Vaswani et al. 2017) with one fused input
/// projection for queries, keys and values (`in_proj`, as
/// torch.nn.MultiheadAttention) and an output projection (`out_proj`).
class MultiHeadSelfAttentionImpl : public torch::nn::Module {
 public:
  MultiHeadSelfAttentionImpl(int64_t hidden_dim, int64_t num_heads, double dropout);
  /// The parameters the constructor makes, without making them.
  static ParameterCount parameter_count(int64_t hidden_dim);

  /// x: [B, L, H] with the layout's additive mask ([B, 1, 1, L] added to the
  /// attention scores: 0 for real keys, a large negative number for padding;
  /// or undefined), or packed [T, H].
  torch::Tensor forward(const torch::Tensor& x, const TokenLayout& layout);

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
