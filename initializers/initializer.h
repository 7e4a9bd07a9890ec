#pragma once

#include <torch/types.h>

#include <optional>
#include <string>

#include "core/params/parameter_kinds.h"  // ParamInfo: what an initializer knows of a parameter
#include "core/registry/component.h"
#include "core/registry/registry.h"

namespace attune {

/// Fills parameters in place, one `init:` rule's worth. Called under
/// torch::NoGradGuard.
class Initializer {
 public:
  virtual ~Initializer() = default;
  /// Fills `param`; false when it leaves it as it was (a pretrained
  /// checkpoint without that key). Throws InputError when the parameter
  /// cannot take this initializer (xavier on a 1-D bias), naming it.
  virtual bool apply(torch::Tensor& param, const ParamInfo& info) = 0;
  /// Called once every parameter of the rule was offered: what the report
  /// should add about this rule (pretrained: keys it did not use), or "".
  virtual std::string finish() { return ""; }
};

struct InitializerArgs {};

/// Registry traits for initializers (`init[].type`).
struct InitializerKind {
  using Base = Initializer;
  using Args = InitializerArgs;
  static constexpr const char* kName = "initializer";
  static constexpr const char* kPlural = "initializers";
};
template <>
Registry<InitializerKind>& registry<InitializerKind>();

/// Throws an InputError unless `param` has at least two dimensions (fan-in
/// and fan-out need them), with a hint to narrow the rule.
void require_matrix(const torch::Tensor& param, const ParamInfo& info, const char* initializer);

}  // namespace attune

#define ATTUNE_REGISTER_INITIALIZER(NAME, CLASS, HELP) ATTUNE_REGISTER(::attune::InitializerKind, NAME, CLASS, HELP)
