#include "initializers/gain.h"

#include <fmt/format.h>
#include <torch/nn/init.h>

#include <cmath>

#include "core/text/suggest.h"

namespace attune {

const std::vector<std::string>& gain_names() {
  static const std::vector<std::string> names = config::enum_choices<Nonlinearity>();
  return names;
}

std::optional<torch::nn::init::NonlinearityType> torch_nonlinearity(Nonlinearity nonlinearity) {
  using N = Nonlinearity;
  switch (nonlinearity) {
    case N::linear:
      return torch::kLinear;
    case N::conv1d:
      return torch::kConv1D;
    case N::conv2d:
      return torch::kConv2D;
    case N::conv3d:
      return torch::kConv3D;
    case N::conv_transpose1d:
      return torch::kConvTranspose1D;
    case N::conv_transpose2d:
      return torch::kConvTranspose2D;
    case N::conv_transpose3d:
      return torch::kConvTranspose3D;
    case N::sigmoid:
      return torch::kSigmoid;
    case N::tanh:
      return torch::kTanh;
    case N::relu:
      return torch::kReLU;
    case N::leaky_relu:
      return torch::kLeakyReLU;
    case N::selu:
      break;
  }
  return std::nullopt;
}

double calculate_gain(Nonlinearity nonlinearity, double param) {
  const auto type = torch_nonlinearity(nonlinearity);
  // LibTorch 1.13 lacks SELU; PyTorch's Python gives 3/4 (Klambauer et al.).
  if (!type) return 3.0 / 4;
  return torch::nn::init::calculate_gain(*type, param);
}

std::optional<double> calculate_gain(const std::string& name, double param) {
  const auto nonlinearity = config::enum_named<Nonlinearity>(name);
  if (!nonlinearity) return std::nullopt;
  return calculate_gain(*nonlinearity, param);
}

}  // namespace attune

namespace attune::config {

Gain Codec<Gain>::parse(const YAML::Node& node, const Context& ctx) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (!text.empty() && (std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_')) {
      const auto nonlinearity = enum_named<Nonlinearity>(text);
      if (!nonlinearity) {
        ctx.fail(node, fmt::format("unknown nonlinearity `{}`{}", text, did_you_mean(text, gain_names())),
                 fmt::format("; a gain is a number or one of {}", quoted_list(gain_names())));
      }
      return {calculate_gain(*nonlinearity), nonlinearity};
    }
  }
  const double value = parse_double(node, ctx);
  if (!(value > 0)) ctx.fail(node, fmt::format("gain must be > 0, got {}", value));
  return {value, std::nullopt};
}

YAML::Node Codec<Gain>::emit(const Gain& gain) {
  return gain.name ? YAML::Node(name_of(*gain.name)) : emit_double(gain.value);
}

}  // namespace attune::config
