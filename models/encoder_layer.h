#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "core/config/codec.h"
#include "models/attention.h"
#include "models/dropout.h"
#include "models/parameter_count.h"

namespace attune {

/// The feed-forward block's activation (`activation:` of the encoder models).
enum class Activation { gelu, relu };
inline const config::EnumNames<Activation>& enum_names(Activation) {
  static const config::EnumNames<Activation> names = {{Activation::gelu, "gelu"}, {Activation::relu, "relu"}};
  return names;
}

/// The shape of one transformer encoder layer.
struct EncoderLayerOptions {
  int64_t hidden_dim = 128;
  int64_t num_heads = 4;
  int64_t ff_dim = 512;
  double dropout = 0.1;
  Activation activation = Activation::gelu;
  bool norm_first = false;  // pre-norm (true) or post-norm (false)
  double layer_norm_eps = 1e-5;
};

/// Self-attention and a feed-forward block, each with a residual connection
/// and LayerNorm, before (pre-norm) or after (post-norm, Vaswani et al.) the
/// block. Parameter names follow torch.nn.TransformerEncoderLayer's
/// (linear1, linear2, norm1, norm2), with the attention under `attn`.
class EncoderLayerImpl : public torch::nn::Module {
 public:
  explicit EncoderLayerImpl(const EncoderLayerOptions& options);
  /// The parameters the constructor makes, without making them.
  static ParameterCount parameter_count(const EncoderLayerOptions& options);
  /// x: [B, L, H] padded or [T, H] packed, as the layout says.
  torch::Tensor forward(const torch::Tensor& x, const TokenLayout& layout);

  MultiHeadSelfAttention attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};

 private:
  torch::Tensor feed_forward(const torch::Tensor& x);

  EncoderLayerOptions options_;
  Dropout dropout_{nullptr}, dropout1_{nullptr}, dropout2_{nullptr};
};
TORCH_MODULE(EncoderLayer);

}  // namespace attune
