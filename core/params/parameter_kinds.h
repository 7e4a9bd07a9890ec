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

/// The kinds a selector may name: the parameters of a `linear`, `embedding`
/// or `layernorm` module, of any normalization module (`norm`), or every
/// `bias` whatever its module. Written once here for both `init:` and
/// `param_groups`, so that "no weight decay on biases and norms" needs no
/// name globs (HuggingFace names its norms `LayerNorm`, attune `norm1`).
enum class ParamKind { linear, embedding, layernorm, norm, bias };
inline const config::EnumNames<ParamKind>& enum_names(ParamKind) {
  static const config::EnumNames<ParamKind> names = {{ParamKind::linear, "linear"},
                                                     {ParamKind::embedding, "embedding"},
                                                     {ParamKind::layernorm, "layernorm"},
                                                     {ParamKind::norm, "norm"},
                                                     {ParamKind::bias, "bias"}};
  return names;
}

/// A `kind:` selector of `init:` rules and `optimizer.param_groups`: one kind
/// or a list of them (any of them matches); empty = every parameter.
struct ParamKinds {
  std::vector<ParamKind> values;
  bool empty() const { return values.empty(); }
};
/// A selector names ParamKinds: a `kind:` key documents them as "one of: ..."
/// as an enum key does.
inline const config::EnumNames<ParamKind>& enum_names(ParamKinds) {
  return enum_names(ParamKind{});
}

/// The names of the kinds, as in YAML: "linear, bias" for messages.
std::string kind_names(const ParamKinds& kinds);

/// Whether the parameter is of one of `kinds` (always, when empty).
bool is_of_kind(const ParamKinds& kinds, const ParamInfo& info);

/// Every parameter of `model` with what selectors see of it, in the order of
/// named_parameters().
std::vector<std::pair<ParamInfo, torch::Tensor>> describe_parameters(torch::nn::Module& model);

}  // namespace attune

namespace attune::config {

/// One kind's name or a list of names. An unknown name fails at the `kind:`
/// key (a list's as a whole), naming the kinds.
template <>
struct Codec<ParamKinds> {
  static ParamKinds parse(const YAML::Node& node, const Context& ctx) {
    if (!node.IsDefined() || node.IsNull()) return {};
    std::vector<std::string> names;
    if (node.IsSequence()) {
      names = Codec<std::vector<std::string>>::parse(node, ctx);
    } else if (std::string name = parse_string(node, ctx); !name.empty()) {
      names.push_back(std::move(name));
    }
    ParamKinds kinds;
    for (const auto& name : names) kinds.values.push_back(kind_named(name, node, ctx));
    return kinds;
  }
  static YAML::Node emit(const ParamKinds& kinds) {
    if (kinds.values.size() == 1) return Codec<ParamKind>::emit(kinds.values.front());
    if (kinds.values.empty()) return YAML::Node("");
    return Codec<std::vector<ParamKind>>::emit(kinds.values);
  }
  static std::string type_name() { return "string or list of string"; }

 private:
  static ParamKind kind_named(const std::string& name, const YAML::Node& node, const Context& ctx) {
    if (const auto kind = enum_named<ParamKind>(name)) return *kind;
    detail::check_choice(name, enum_choices<ParamKind>(), node, ctx);  // throws: not a kind
    return ParamKind{};
  }
};

}  // namespace attune::config
