#include "models/transformer_encoder.h"

namespace attune {

TransformerEncoderImpl::TransformerEncoderImpl(const EncoderOptions& options) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < options.num_layers; ++i) layers->push_back(EncoderLayer(options));
  if (options.norm_first) {
    norm = register_module(
        "norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hidden_dim}).eps(options.layer_norm_eps)));
  }
}

ParameterCount TransformerEncoderImpl::parameter_count(const EncoderOptions& options) {
  return EncoderLayerImpl::parameter_count(options) * options.num_layers +
         (options.norm_first ? layer_norm_parameters(options.hidden_dim) : ParameterCount(0));
}

torch::Tensor TransformerEncoderImpl::forward(torch::Tensor x, const torch::Tensor& additive_mask) {
  for (const auto& layer : *layers) x = layer->as<EncoderLayerImpl>()->forward(x, additive_mask);
  return norm ? norm(x) : x;
}

}  // namespace attune
