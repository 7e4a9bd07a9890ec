#include "models/attention.h"

#include <cmath>
#include <limits>

namespace attune {

MultiHeadSelfAttentionImpl::MultiHeadSelfAttentionImpl(int64_t hidden_dim, int64_t num_heads, double dropout)
    : num_heads_(num_heads), head_dim_(hidden_dim / num_heads) {
  TORCH_CHECK(hidden_dim % num_heads == 0, "hidden_dim ", hidden_dim, " is not divisible by num_heads ", num_heads);
  in_proj = register_module("in_proj", torch::nn::Linear(hidden_dim, 3 * hidden_dim));
  out_proj = register_module("out_proj", torch::nn::Linear(hidden_dim, hidden_dim));
  dropout_ = register_module("dropout", Dropout(dropout));
}

ParameterCount MultiHeadSelfAttentionImpl::parameter_count(int64_t hidden_dim) {
  return linear_parameters(hidden_dim, ParameterCount(3) * hidden_dim) + linear_parameters(hidden_dim, hidden_dim);
}

torch::Tensor MultiHeadSelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& additive_mask) {
  const int64_t batch = x.size(0), length = x.size(1);
  // [B, L, 3H] -> 3 x [B, heads, L, head_dim]
  auto qkv = in_proj(x).view({batch, length, 3, num_heads_, head_dim_}).permute({2, 0, 3, 1, 4});
  auto q = qkv[0], k = qkv[1], v = qkv[2];
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(head_dim_));
  if (additive_mask.defined()) scores = scores + additive_mask;
  auto weights = dropout_(torch::softmax(scores, -1));
  auto context = torch::matmul(weights, v).transpose(1, 2).reshape({batch, length, num_heads_ * head_dim_});
  return out_proj(context);
}

torch::Tensor additive_padding_mask(const torch::Tensor& attention_mask, torch::ScalarType dtype) {
  const double lowest =
      dtype == torch::kDouble ? std::numeric_limits<double>::lowest() : std::numeric_limits<float>::lowest();
  auto mask = attention_mask.to(dtype).unsqueeze(1).unsqueeze(2);
  return (1.0 - mask) * lowest;
}

}  // namespace attune
