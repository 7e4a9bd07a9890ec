#include "core/optim/optimizer_config.h"

#include <fnmatch.h>

#include "core/text/suggest.h"

namespace attune {

void ParamGroupConfig::declare(config::Schema<ParamGroupConfig>& s) {
  s.field("name", &ParamGroupConfig::name, "name shown in logs and lr columns").required();
  s.field("match", &ParamGroupConfig::match,
          "globs over parameter names (`encoder.*`, `*.bias`); the last matching group wins")
      .required();
  s.field("lr", &ParamGroupConfig::lr, "lr of this group (default: the optimizer's)").greater_than(0);
  s.field("weight_decay", &ParamGroupConfig::weight_decay, "weight decay of this group (default: the optimizer's)")
      .at_least(0);
  s.check("name", [](const ParamGroupConfig& g) {
    return g.name == "default" ? "`default` is the name of the group of unmatched parameters" : "";
  });
}

void OptimizerConfig::declare(config::Schema<OptimizerConfig>& s) {
  s.component(&OptimizerConfig::optimizer);
  s.field("param_groups", &OptimizerConfig::param_groups, "groups of parameters with their own lr / weight_decay");
  s.check("param_groups", [](const OptimizerConfig& o) -> std::string {
    for (size_t i = 0; i < o.param_groups.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (o.param_groups[i].name == o.param_groups[j].name) {
          return fmt::format("two groups are named `{}`", o.param_groups[i].name);
        }
      }
    }
    return "";
  });
}

OptimizerArgs assign_param_groups(const OptimizerConfig& config,
                                  const std::vector<std::pair<std::string, torch::Tensor>>& named) {
  OptimizerArgs args;
  args.groups.push_back({"default", {}, std::nullopt, std::nullopt});
  for (const auto& group : config.param_groups) {
    args.groups.push_back({group.name, {}, group.lr, group.weight_decay});
  }
  std::vector<std::string> names;
  for (const auto& [name, tensor] : named) {
    names.push_back(name);
    size_t chosen = 0;
    for (size_t g = 0; g < config.param_groups.size(); ++g) {
      for (const auto& glob : config.param_groups[g].match) {
        if (fnmatch(glob.c_str(), name.c_str(), 0) == 0) chosen = g + 1;
      }
    }
    args.groups[chosen].params.push_back(tensor);
  }
  for (size_t g = 0; g < config.param_groups.size(); ++g) {
    if (args.groups[g + 1].params.empty()) {
      const auto& globs = config.param_groups[g].match;
      input_error(
          "optimizer.param_groups: group `{}` matches no parameter (match: {}){}; parameters are "
          "named like `{}`",
          config.param_groups[g].name, quoted_list(globs), globs.empty() ? "" : did_you_mean(globs.front(), names),
          names.empty() ? "" : names.front());
    }
  }
  if (args.groups.front().params.empty()) args.groups.erase(args.groups.begin());
  return args;
}

OptimizerArgs placeholder_param_groups(const OptimizerConfig& config) {
  OptimizerArgs args;
  args.groups.push_back({"default", {torch::zeros({1}, torch::requires_grad())}, std::nullopt, std::nullopt});
  for (const auto& group : config.param_groups) {
    args.groups.push_back({group.name, {torch::zeros({1}, torch::requires_grad())}, group.lr, group.weight_decay});
  }
  return args;
}

std::shared_ptr<torch::optim::Optimizer> build_optimizer(const OptimizerConfig& config, const OptimizerArgs& groups) {
  return config.optimizer.create(groups);
}

std::vector<std::string> group_names(const OptimizerArgs& groups) {
  std::vector<std::string> names;
  for (const auto& group : groups.groups) names.push_back(group.name);
  return names;
}

}  // namespace attune
