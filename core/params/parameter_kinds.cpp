#include "core/params/parameter_kinds.h"

#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <algorithm>

namespace attune {

std::string kind_names(const ParamKinds& kinds) {
  std::string names;
  for (const ParamKind kind : kinds.values) names += (names.empty() ? "" : ", ") + config::name_of(kind);
  return names;
}

namespace {

bool is_kind(ParamKind kind, const ParamInfo& info) {
  switch (kind) {
    case ParamKind::linear:
    case ParamKind::embedding:
    case ParamKind::layernorm:
      // A module kind: as describe_parameters names it.
      return info.module_kind == config::name_of(kind);
    case ParamKind::norm:
      return info.module_kind == "layernorm";
    case ParamKind::bias: {
      const auto dot = info.name.rfind('.');
      return info.name.substr(dot == std::string::npos ? 0 : dot + 1) == "bias";
    }
  }
  return false;
}

}  // namespace

bool is_of_kind(const ParamKinds& kinds, const ParamInfo& info) {
  return kinds.empty() ||
         std::any_of(kinds.values.begin(), kinds.values.end(), [&](const auto& kind) { return is_kind(kind, info); });
}

std::vector<std::pair<ParamInfo, torch::Tensor>> describe_parameters(torch::nn::Module& model) {
  std::vector<std::pair<ParamInfo, torch::Tensor>> result;
  for (const auto& item : model.named_modules()) {
    const auto& module = item.value();
    ParamInfo info;
    info.module_kind = "other";
    if (module->as<torch::nn::LinearImpl>()) {
      info.module_kind = "linear";
    } else if (auto* embedding = module->as<torch::nn::EmbeddingImpl>()) {
      info.module_kind = "embedding";
      if (embedding->options.padding_idx()) info.padding_idx = *embedding->options.padding_idx();
    } else if (module->as<torch::nn::LayerNormImpl>()) {
      info.module_kind = "layernorm";
    }
    for (const auto& param : module->named_parameters(/*recurse=*/false)) {
      info.name = item.key().empty() ? param.key() : item.key() + "." + param.key();
      result.emplace_back(info, param.value());
    }
  }
  return result;
}

}  // namespace attune
