#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/optim/optimizer_factory.h"
#include "core/params/parameter_kinds.h"

namespace attune {

/// One entry of `optimizer.param_groups`: parameters whose names match any of
/// the globs and that are of `kind` (the selectors of `init:` rules) get their
/// own lr and/or weight decay.
struct ParamGroupConfig {
  std::string name;
  std::vector<std::string> match;
  ParamKinds kind;
  std::optional<double> lr;
  std::optional<double> weight_decay;
  static void declare(config::Schema<ParamGroupConfig>& s);
};

/// The `optimizer:` section.
struct OptimizerConfig {
  Component<OptimizerKind> component{"adamw"};  // `type:` and its options
  std::vector<ParamGroupConfig> param_groups;
  static void declare(config::Schema<OptimizerConfig>& s);
};

/// Splits parameters (with what selectors see of them, see
/// describe_parameters) into groups: group 0 is `default` (parameters no group
/// matches; dropped when empty), then the configured groups in order. A
/// parameter matched by several groups goes to the last, as `init:` rules do.
/// A group that matches nothing is an error: it is almost always a typo.
OptimizerArgs assign_param_groups(const OptimizerConfig& config,
                                  const std::vector<std::pair<ParamInfo, torch::Tensor>>& parameters);

/// One stand-in parameter per configured group, for previewing schedules
/// without building a model.
OptimizerArgs placeholder_param_groups(const OptimizerConfig& config);

/// Builds the optimizer over the model's trainable parameters.
std::shared_ptr<torch::optim::Optimizer> build_optimizer(const OptimizerConfig& config, const OptimizerArgs& groups);

/// The names of the groups build_optimizer made, in order.
std::vector<std::string> group_names(const OptimizerArgs& groups);

}  // namespace attune
