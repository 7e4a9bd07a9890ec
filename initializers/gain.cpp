#include "initializers/gain.h"

#include <torch/nn/init.h>

#include <cmath>

#include "core/text/suggest.h"

namespace attune {

const std::vector<std::string>& gain_names() {
  static const std::vector<std::string> names = {
      "linear",           "conv1d",  "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
      "conv_transpose3d", "sigmoid", "tanh",   "relu",   "leaky_relu",       "selu"};
  return names;
}

std::optional<double> calculate_gain(const std::string& name, double param) {
  namespace init = torch::nn::init;
  if (name == "linear") return init::calculate_gain(torch::kLinear);
  if (name == "conv1d") return init::calculate_gain(torch::kConv1D);
  if (name == "conv2d") return init::calculate_gain(torch::kConv2D);
  if (name == "conv3d") return init::calculate_gain(torch::kConv3D);
  if (name == "conv_transpose1d") return init::calculate_gain(torch::kConvTranspose1D);
  if (name == "conv_transpose2d") return init::calculate_gain(torch::kConvTranspose2D);
  if (name == "conv_transpose3d") return init::calculate_gain(torch::kConvTranspose3D);
  if (name == "sigmoid") return init::calculate_gain(torch::kSigmoid);
  if (name == "tanh") return init::calculate_gain(torch::kTanh);
  if (name == "relu") return init::calculate_gain(torch::kReLU);
  if (name == "leaky_relu") return init::calculate_gain(torch::kLeakyReLU, param);
  // LibTorch 1.13 lacks SELU; PyTorch's Python gives 3/4 (Klambauer et al.).
  if (name == "selu") return 3.0 / 4;
  return std::nullopt;
}

}  // namespace attune

namespace attune::config {

Gain Codec<Gain>::parse(const YAML::Node& node, const Context& ctx) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (!text.empty() && (std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_')) {
      const auto value = calculate_gain(text);
      if (!value) {
        ctx.fail(node, fmt::format("unknown nonlinearity `{}`{}", text, did_you_mean(text, gain_names())),
                 fmt::format("; a gain is a number or one of {}", quoted_list(gain_names())));
      }
      return {*value, text};
    }
  }
  const double value = parse_double(node, ctx);
  if (!(value > 0)) ctx.fail(node, fmt::format("gain must be > 0, got {}", value));
  return {value, ""};
}

YAML::Node Codec<Gain>::emit(const Gain& gain) {
  return gain.name.empty() ? emit_double(gain.value) : YAML::Node(gain.name);
}

}  // namespace attune::config
