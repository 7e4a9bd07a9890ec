#include "initializers/gain.h"

#include <torch/nn/init.h>

#include <cmath>

#include "core/text/suggest.h"

namespace attune {

namespace {

std::optional<Nonlinearity> nonlinearity_named(const std::string& name) {
  for (const auto& [value, text] : enum_names(Nonlinearity{})) {
    if (text == name) return value;
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& gain_names() {
  static const std::vector<std::string> names = config::enum_choices<Nonlinearity>();
  return names;
}

double calculate_gain(Nonlinearity nonlinearity, double param) {
  namespace init = torch::nn::init;
  using N = Nonlinearity;
  switch (nonlinearity) {
    case N::linear:
      return init::calculate_gain(torch::kLinear);
    case N::conv1d:
      return init::calculate_gain(torch::kConv1D);
    case N::conv2d:
      return init::calculate_gain(torch::kConv2D);
    case N::conv3d:
      return init::calculate_gain(torch::kConv3D);
    case N::conv_transpose1d:
      return init::calculate_gain(torch::kConvTranspose1D);
    case N::conv_transpose2d:
      return init::calculate_gain(torch::kConvTranspose2D);
    case N::conv_transpose3d:
      return init::calculate_gain(torch::kConvTranspose3D);
    case N::sigmoid:
      return init::calculate_gain(torch::kSigmoid);
    case N::tanh:
      return init::calculate_gain(torch::kTanh);
    case N::relu:
      return init::calculate_gain(torch::kReLU);
    case N::leaky_relu:
      return init::calculate_gain(torch::kLeakyReLU, param);
    case N::selu:
      // LibTorch 1.13 lacks SELU; PyTorch's Python gives 3/4 (Klambauer et al.).
      return 3.0 / 4;
  }
  return 1.0;
}

std::optional<double> calculate_gain(const std::string& name, double param) {
  const auto nonlinearity = nonlinearity_named(name);
  if (!nonlinearity) return std::nullopt;
  return calculate_gain(*nonlinearity, param);
}

}  // namespace attune

namespace attune::config {

Gain Codec<Gain>::parse(const YAML::Node& node, const Context& ctx) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (!text.empty() && (std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_')) {
      const auto nonlinearity = nonlinearity_named(text);
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
