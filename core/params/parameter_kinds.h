#pragma once

#include <torch/nn/module.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config/codec.h"

namespace attune {

/// What a `kind:` selector and an initializer know about a parameter.
struct ParamInfo {
  std::string name;                    // "encoder.layers.0.linear1.weight"
  std::string module_kind;             // linear | embedding | layernorm | other
  std::optional<int64_t> padding_idx;  // embeddings with a padding row
};

/// A `kind:` selector of `init:` rules and `optimizer.param_groups`: one kind
/// or a list of them (any of them matches); empty = every parameter.
struct ParamKinds {
  std::vector<std::string> values;
  bool empty() const { return values.empty(); }
};

/// The kinds a selector may name: the parameters of a `linear`, `embedding`
/// or `layernorm` module, of any normalization module (`norm`), or every
/// `bias` whatever its module. Written once here for both `init:` and
/// `param_groups`, so that "no weight decay on biases and norms" needs no
/// name globs (HuggingFace names its norms `LayerNorm`, attune `norm1`).
const std::vector<std::string>& parameter_kind_names();

/// Whether the parameter is of one of `kinds` (always, when empty).
bool is_of_kind(const ParamKinds& kinds, const ParamInfo& info);

/// Every parameter of `model` with what selectors see of it, in the order of
/// named_parameters().
std::vector<std::pair<ParamInfo, torch::Tensor>> describe_parameters(torch::nn::Module& model);

}  // namespace attune

namespace attune::config {

template <>
struct Codec<ParamKinds> {
  static ParamKinds parse(const YAML::Node& node, const Context& ctx) {
    if (!node.IsDefined() || node.IsNull()) return {};
    if (node.IsSequence()) return {Codec<std::vector<std::string>>::parse(node, ctx)};
    const std::string value = parse_string(node, ctx);
    return value.empty() ? ParamKinds{} : ParamKinds{{value}};
  }
  static YAML::Node emit(const ParamKinds& kinds) {
    if (kinds.values.size() == 1) return YAML::Node(kinds.values.front());
    if (kinds.values.empty()) return YAML::Node("");
    return Codec<std::vector<std::string>>::emit(kinds.values);
  }
  static std::string type_name() { return "string or list of string"; }
};

}  // namespace attune::config
