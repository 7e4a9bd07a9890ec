#include "core/optim/optimizer_config.h"

#include <fnmatch.h>

#include <algorithm>

#include "core/text/suggest.h"

namespace attune {

void ParamGroupConfig::declare(config::Schema<ParamGroupConfig>& s) {
  s.field("name", &ParamGroupConfig::name, "name shown in logs and lr columns").required();
  s.field("match", &ParamGroupConfig::match,
          "globs over parameter names (`encoder.*`, `*.bias`); empty = any name; the last matching group wins");
  s.field("kind", &ParamGroupConfig::kind,
          "only parameters of this kind or list of kinds, as in `init:` (`[bias, norm]`: no decay on biases and "
          "norms); empty = any");
  s.field("lr", &ParamGroupConfig::lr, "lr of this group (default: the optimizer's)").greater_than(0);
  s.field("weight_decay", &ParamGroupConfig::weight_decay, "weight decay of this group (default: the optimizer's)")
      .at_least(0);
  s.check("name", [](const ParamGroupConfig& g) {
    return g.name == "default" ? "`default` is the name of the group of unmatched parameters" : "";
  });
  s.check("match", [](const ParamGroupConfig& g) {
    return g.match.empty() && g.kind.empty() ? "a group selects its parameters by `match` (name globs), `kind`, or both"
                                             : "";
  });
}

void OptimizerConfig::declare(config::Schema<OptimizerConfig>& s) {
  s.component(&OptimizerConfig::component);
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

namespace {

bool selects(const ParamGroupConfig& group, const ParamInfo& info) {
  const bool name_matches =
      group.match.empty() || std::any_of(group.match.begin(), group.match.end(), [&](const std::string& glob) {
        return fnmatch(glob.c_str(), info.name.c_str(), 0) == 0;
      });
  return name_matches && is_of_kind(group.kind, info);
}

}  // namespace

OptimizerArgs assign_param_groups(const OptimizerConfig& config,
                                  const std::vector<std::pair<ParamInfo, torch::Tensor>>& parameters) {
  OptimizerArgs args;
  args.groups.push_back({"default", {}, std::nullopt, std::nullopt});
  for (const auto& group : config.param_groups) {
    args.groups.push_back({group.name, {}, group.lr, group.weight_decay});
  }
  std::vector<std::string> names;
  for (const auto& [info, tensor] : parameters) {
    names.push_back(info.name);
    size_t chosen = 0;
    for (size_t g = 0; g < config.param_groups.size(); ++g) {
      if (selects(config.param_groups[g], info)) chosen = g + 1;
    }
    args.groups[chosen].params.push_back(tensor);
  }
  for (size_t g = 0; g < config.param_groups.size(); ++g) {
    if (!args.groups[g + 1].params.empty()) continue;
    const auto& group = config.param_groups[g];
    const std::string kinds =
        group.kind.empty() ? "" : fmt::format("{}kind: {}", group.match.empty() ? "" : ", ", kind_names(group.kind));
    bool taken = false;  // every parameter it selects went to a later group
    for (const auto& [info, tensor] : parameters) taken = taken || selects(group, info);
    input_error("optimizer.param_groups: group `{}` {} ({}{}){}; parameters are named like `{}`", group.name,
                taken ? "gets no parameter: a later group takes every one it selects" : "matches no parameter",
                group.match.empty() ? "" : "match: " + quoted_list(group.match), kinds,
                group.match.empty() ? "" : did_you_mean(group.match.front(), names),
                names.empty() ? "" : names.front());
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
  return config.component.create(groups);
}

std::vector<std::string> group_names(const OptimizerArgs& groups) {
  std::vector<std::string> names;
  for (const auto& group : groups.groups) names.push_back(group.name);
  return names;
}

}  // namespace attune
