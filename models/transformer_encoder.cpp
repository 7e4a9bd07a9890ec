#include "models/transformer_encoder.h"

#include <cmath>

#include "models/torchscript_source.h"

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

torch::Tensor TransformerEncoderImpl::forward(torch::Tensor x, const TokenLayout& layout) {
  for (const auto& layer : *layers) x = layer->as<EncoderLayerImpl>()->forward(x, layout);
  return norm ? norm(x) : x;
}

EncoderScript encoder_script(const EncoderOptions& o, const std::string& prefix, const std::string& mask) {
  using script::number;
  const int64_t head_dim = o.hidden_dim / o.num_heads;
  const std::string heads = std::to_string(o.num_heads), dim = std::to_string(head_dim);
  const std::string norm = fmt::format("[{}]", o.hidden_dim), eps = number(o.layer_norm_eps);
  const std::string activation = o.activation == Activation::gelu ? "torch.gelu" : "torch.relu";
  EncoderScript result;
  result.methods += script::method(
      "attention(self, x: Tensor, mask: Optional[Tensor], in_w: Tensor, in_b: Tensor, out_w: Tensor, out_b: Tensor) "
      "-> Tensor",
      {"batch = x.size(0)", "length = x.size(1)",
       "qkv = torch.linear(x, in_w, in_b).view(batch, length, 3, " + heads + ", " + dim + ").permute(2, 0, 3, 1, 4)",
       "scores = torch.matmul(qkv[0], qkv[1].transpose(-2, -1)) / " + number(std::sqrt(static_cast<double>(head_dim))),
       "if mask is not None:", "    scores = scores + mask", "weights = torch.softmax(scores, -1)",
       "context = torch.matmul(weights, qkv[2]).transpose(1, 2).reshape(batch, length, " +
           std::to_string(o.num_heads * head_dim) + ")",
       "return torch.linear(context, out_w, out_b)"});
  result.methods +=
      script::method("feed_forward(self, x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) -> Tensor",
                     {"return torch.linear(" + activation + "(torch.linear(x, w1, b1)), w2, b2)"});
  std::vector<std::string> body;
  auto attend = [](const std::string& x) { return "self.attention(" + x + ", mask, in_w, in_b, out_w, out_b)"; };
  auto feed = [](const std::string& x) { return "self.feed_forward(" + x + ", w1, b1, w2, b2)"; };
  auto layer_norm = [&](const std::string& x, const std::string& which) {
    return fmt::format("torch.layer_norm({}, {}, {}_w, {}_b, {})", x, norm, which, which, eps);
  };
  if (o.norm_first) {
    body = {"y = x + " + attend(layer_norm("x", "n1")), "return y + " + feed(layer_norm("y", "n2"))};
  } else {
    body = {"y = " + layer_norm("x + " + attend("x"), "n1"), "return " + layer_norm("y + " + feed("y"), "n2")};
  }
  result.methods += script::method(
      "encoder_layer(self, x: Tensor, mask: Optional[Tensor], in_w: Tensor, in_b: Tensor, out_w: Tensor, "
      "out_b: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, n1_w: Tensor, n1_b: Tensor, n2_w: Tensor, "
      "n2_b: Tensor) -> Tensor",
      body);
  for (int64_t i = 0; i < o.num_layers; ++i) {
    const std::string layer = fmt::format("{}layers.{}.", prefix, i);
    result.statements.push_back(
        "x = self.encoder_layer(x, " + mask + ", " +
        script::attributes(layer, {"attn.in_proj.weight", "attn.in_proj.bias", "attn.out_proj.weight",
                                   "attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
                                   "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}) +
        ")");
  }
  if (o.norm_first) {
    result.statements.push_back(fmt::format("x = torch.layer_norm(x, {}, {}, {}, {})", norm,
                                            script::attribute(prefix + "norm.weight"),
                                            script::attribute(prefix + "norm.bias"), eps));
  }
  return result;
}

}  // namespace attune
