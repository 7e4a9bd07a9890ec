#include "models/encoder_layer.h"

#include <torch/nn/functional/activation.h>

#include "models/linear.h"

namespace attune {

EncoderLayerImpl::EncoderLayerImpl(const EncoderLayerOptions& options) : options_(options) {
  const int64_t h = options.hidden_dim;
  attn = register_module("attn", MultiHeadSelfAttention(h, options.num_heads, options.dropout));
  linear1 = register_module("linear1", torch::nn::Linear(h, options.ff_dim));
  linear2 = register_module("linear2", torch::nn::Linear(options.ff_dim, h));
  auto norm_options = torch::nn::LayerNormOptions({h}).eps(options.layer_norm_eps);
  norm1 = register_module("norm1", torch::nn::LayerNorm(norm_options));
  norm2 = register_module("norm2", torch::nn::LayerNorm(norm_options));
  dropout_ = register_module("dropout", Dropout(options.dropout));
  dropout1_ = register_module("dropout1", Dropout(options.dropout));
  dropout2_ = register_module("dropout2", Dropout(options.dropout));
}

ParameterCount EncoderLayerImpl::parameter_count(const EncoderLayerOptions& options) {
  const int64_t h = options.hidden_dim;
  return MultiHeadSelfAttentionImpl::parameter_count(h) + linear_parameters(h, options.ff_dim) +
         linear_parameters(options.ff_dim, h) + layer_norm_parameters(h) * 2;
}

torch::Tensor EncoderLayerImpl::feed_forward(const torch::Tensor& x) {
  auto hidden = apply_linear(linear1, x);
  switch (options_.activation) {
    case Activation::gelu:
      hidden = torch::gelu(hidden);
      break;
    case Activation::relu:
      hidden = torch::relu(hidden);
      break;
  }
  return apply_linear(linear2, dropout_(hidden));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const TokenLayout& layout) {
  if (options_.norm_first) {
    auto y = x + dropout1_(attn(norm1(x), layout));
    return y + dropout2_(feed_forward(norm2(y)));
  }
  auto y = norm1(x + dropout1_(attn(x, layout)));
  return norm2(y + dropout2_(feed_forward(y)));
}

}  // namespace attune
