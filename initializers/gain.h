#pragma once

#include <optional>
#include <string>
#include <vector>

#include <torch/nn/init.h>

#include "core/config/codec.h"

namespace attune {

/// The nonlinearities whose recommended gain torch.nn.init.calculate_gain knows.
enum class Nonlinearity {
  linear,
  conv1d,
  conv2d,
  conv3d,
  conv_transpose1d,
  conv_transpose2d,
  conv_transpose3d,
  sigmoid,
  tanh,
  relu,
  leaky_relu,
  selu
};
inline const config::EnumNames<Nonlinearity>& enum_names(Nonlinearity) {
  using N = Nonlinearity;
  static const config::EnumNames<N> names = {{N::linear, "linear"},
                                             {N::conv1d, "conv1d"},
                                             {N::conv2d, "conv2d"},
                                             {N::conv3d, "conv3d"},
                                             {N::conv_transpose1d, "conv_transpose1d"},
                                             {N::conv_transpose2d, "conv_transpose2d"},
                                             {N::conv_transpose3d, "conv_transpose3d"},
                                             {N::sigmoid, "sigmoid"},
                                             {N::tanh, "tanh"},
                                             {N::relu, "relu"},
                                             {N::leaky_relu, "leaky_relu"},
                                             {N::selu, "selu"}};
  return names;
}

/// An initializer's `gain`: a number, or a nonlinearity whose recommended gain
/// torch.nn.init.calculate_gain gives (`relu` -> sqrt(2), `tanh` -> 5/3, ...).
struct Gain {
  double value = 1.0;
  std::optional<Nonlinearity> name;  // the nonlinearity it came from, if any
};

/// LibTorch's name for a nonlinearity; none for selu, which LibTorch 1.13's
/// torch::nn::init does not know.
std::optional<torch::nn::init::NonlinearityType> torch_nonlinearity(Nonlinearity nonlinearity);

/// PyTorch's calculate_gain for `nonlinearity` (leaky_relu with `param` as its
/// negative slope).
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);
/// The same for a nonlinearity's name; an empty optional for an unknown name.
std::optional<double> calculate_gain(const std::string& nonlinearity, double param = 0.01);

/// The nonlinearity names `gain` accepts.
const std::vector<std::string>& gain_names();

}  // namespace attune

namespace attune::config {

template <>
struct Codec<Gain> {
  static Gain parse(const YAML::Node& node, const Context& ctx);
  static YAML::Node emit(const Gain& gain);
  static std::string type_name() { return "float or nonlinearity name"; }
};

}  // namespace attune::config
