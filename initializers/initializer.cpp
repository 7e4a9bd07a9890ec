#include "initializers/initializer.h"

#include <fmt/ranges.h>  // fmt::join (in ranges.h from fmt 10 on)

ATTUNE_DEFINE_REGISTRY(attune::InitializerKind)

namespace attune {

void require_matrix(const torch::Tensor& param, const ParamInfo& info, const char* initializer) {
  if (param.dim() >= 2) return;
  input_error(
      "init: `{}` needs a tensor of at least 2 dimensions, but `{}` has shape {}; narrow the rule "
      "(e.g. `kind: linear` or `match: \"*.weight\"`) or add a later rule for it",
      initializer, info.name, fmt::format("[{}]", fmt::join(param.sizes(), ", ")));
}

}  // namespace attune
