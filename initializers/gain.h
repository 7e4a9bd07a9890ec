#pragma once

#include <string>

#include "core/config/codec.h"

namespace attune {

/// An initializer's `gain`: a number, or a nonlinearity whose recommended gain
/// torch.nn.init.calculate_gain gives (`relu` -> sqrt(2), `tanh` -> 5/3, ...).
struct Gain {
  double value = 1.0;
  std::string name;  // the nonlinearity it came from, if any
};

/// PyTorch's calculate_gain for `nonlinearity` (leaky_relu with `param` as its
/// negative slope); an empty optional for an unknown name.
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
