#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/normalization.h>

#include "core/config/schema.h"
#include "models/encoder_layer.h"

namespace attune {

/// What a classifier's head reads: the mean of the real tokens (patches), or
/// the first, class token.
enum class Pooling { mean, cls };
inline const config::EnumNames<Pooling>& enum_names(Pooling) {
  static const config::EnumNames<Pooling> names = {{Pooling::mean, "mean"}, {Pooling::cls, "cls"}};
  return names;
}

/// The options every encoder-based model shares (transformer_classifier,
/// vit), declared once.
struct EncoderOptions : EncoderLayerOptions {
  int64_t num_layers = 2;
  /// Declares the keys of EncoderLayerOptions and num_layers into a model's schema.
  template <class T>
  static void declare_into(config::Schema<T>& s);
};

/// A stack of encoder layers, with a final LayerNorm in pre-norm stacks (whose
/// layers leave their output unnormalised).
class TransformerEncoderImpl : public torch::nn::Module {
 public:
  explicit TransformerEncoderImpl(const EncoderOptions& options);
  /// The parameters the constructor makes, without making them.
  static ParameterCount parameter_count(const EncoderOptions& options);
  /// x: [B, L, H] padded or [T, H] packed, as the layout says.
  torch::Tensor forward(torch::Tensor x, const TokenLayout& layout);

  torch::nn::ModuleList layers{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(TransformerEncoder);

/// The encoder as TorchScript (Model::torchscript): the helper `methods`
/// (attention, feed_forward, encoder_layer) and the `statements` that run the
/// tensor `x` through the layers under `prefix` ("encoder.") with the
/// additive mask `mask` (`None` for none); `x` holds the result.
struct EncoderScript {
  std::string methods;
  std::vector<std::string> statements;
};
EncoderScript encoder_script(const EncoderOptions& options, const std::string& prefix, const std::string& mask);

template <class T>
void EncoderOptions::declare_into(config::Schema<T>& s) {
  s.template field<int64_t>("hidden_dim", &T::hidden_dim, "width of the token representations").greater_than(0);
  s.template field<int64_t>("num_heads", &T::num_heads, "attention heads; must divide hidden_dim").greater_than(0);
  s.template field<int64_t>("num_layers", &T::num_layers, "encoder layers").greater_than(0);
  s.template field<int64_t>("ff_dim", &T::ff_dim, "width of the feed-forward block").greater_than(0);
  s.template field<double>("dropout", &T::dropout, "dropout after embeddings, attention and feed-forward")
      .at_least(0)
      .less_than(1);
  s.template field<Activation>("activation", &T::activation, "feed-forward activation");
  s.template field<bool>("norm_first", &T::norm_first, "pre-norm layers (true) or post-norm (false)");
  s.template field<double>("layer_norm_eps", &T::layer_norm_eps, "LayerNorm epsilon").greater_than(0);
  s.check("hidden_dim", [](const T& o) -> std::string {
    if (o.num_heads <= 0 || o.hidden_dim % o.num_heads == 0) return "";
    return fmt::format("hidden_dim {} must be divisible by num_heads ({})", o.hidden_dim, o.num_heads);
  });
}

}  // namespace attune
