#pragma once

#include <torch/optim/optimizer.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/registry/component.h"
#include "core/registry/registry.h"

namespace attune {

/// One param group handed to an optimizer factory: its tensors and the
/// options it overrides.
struct ParamGroupSpec {
  std::string name;
  std::vector<torch::Tensor> params;
  std::optional<double> lr;
  std::optional<double> weight_decay;
};

/// What an optimizer factory gets besides its options.
struct OptimizerArgs {
  std::vector<ParamGroupSpec> groups;
};

/// Registry traits for optimizers (LibTorch's own, by name).
struct OptimizerKind {
  using Base = torch::optim::Optimizer;
  using Args = OptimizerArgs;
  static constexpr const char* kName = "optimizer";
  static constexpr const char* kPlural = "optimizers";
};
template <>
Registry<OptimizerKind>& registry<OptimizerKind>();

/// Builds a LibTorch optimizer of type TorchOptimizer with one param group per
/// spec, each with `defaults` plus the spec's lr and weight decay.
template <class TorchOptimizer, class TorchOptions>
std::shared_ptr<torch::optim::Optimizer> make_torch_optimizer(const TorchOptions& defaults, const OptimizerArgs& args) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (const auto& spec : args.groups) {
    auto options = std::make_unique<TorchOptions>(defaults);
    if (spec.lr) options->lr(*spec.lr);
    if (spec.weight_decay) options->weight_decay(*spec.weight_decay);
    groups.emplace_back(spec.params, std::move(options));
  }
  return std::make_shared<TorchOptimizer>(std::move(groups), defaults);
}

}  // namespace attune

#define ATTUNE_REGISTER_OPTIMIZER(NAME, CLASS, HELP) ATTUNE_REGISTER(::attune::OptimizerKind, NAME, CLASS, HELP)
