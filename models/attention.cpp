#include "models/attention.h"

#include <limits>

#include "models/attention_core.h"
#include "models/linear.h"

namespace attune {

MultiHeadSelfAttentionImpl::MultiHeadSelfAttentionImpl(int64_t hidden_dim, int64_t num_heads, double dropout)
    : num_heads_(num_heads) {
  TORCH_CHECK(hidden_dim % num_heads == 0, "hidden_dim ", hidden_dim, " is not divisible by num_heads ", num_heads);
  in_proj = register_module("in_proj", torch::nn::Linear(hidden_dim, 3 * hidden_dim));
  out_proj = register_module("out_proj", torch::nn::Linear(hidden_dim, hidden_dim));
  dropout_ = register_module("dropout", Dropout(dropout));
}

ParameterCount MultiHeadSelfAttentionImpl::parameter_count(int64_t hidden_dim) {
  return linear_parameters(hidden_dim, ParameterCount(3) * hidden_dim) + linear_parameters(hidden_dim, hidden_dim);
}

torch::Tensor MultiHeadSelfAttentionImpl::forward(const torch::Tensor& x, const TokenLayout& layout) {
  const auto qkv = apply_linear(in_proj, x);
  const AttentionSettings settings{num_heads_, dropout_->p, is_training()};
  return apply_linear(out_proj, layout.is_packed() ? varlen_self_attention(qkv, layout.lengths, settings)
                                                   : packed_self_attention(qkv, layout.additive_mask, settings));
}

torch::Tensor additive_padding_mask(const torch::Tensor& attention_mask, torch::ScalarType dtype) {
  const double lowest =
      dtype == torch::kDouble ? std::numeric_limits<double>::lowest() : std::numeric_limits<float>::lowest();
  auto mask = attention_mask.to(dtype).unsqueeze(1).unsqueeze(2);
  return (1.0 - mask) * lowest;
}

}  // namespace attune
