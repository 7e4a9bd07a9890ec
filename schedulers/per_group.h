#pragma once

#include <string>
#include <vector>

#include "core/config/codec.h"

namespace attune {

/// A number for every param group: one value for all (`max_lr: 0.1`) or one
/// per group (`max_lr: [0.1, 0.01]`), as PyTorch's schedulers accept.
struct PerGroup {
  std::vector<double> values;

  bool empty() const { return values.empty(); }
  /// The value of `group` among `groups`; an InputError naming `key` when a
  /// list does not have one value per group.
  double at(size_t group, size_t groups, const char* key) const;
};

}  // namespace attune

namespace attune::config {

template <>
struct Codec<PerGroup> {
  static PerGroup parse(const YAML::Node& node, const Context& ctx) {
    if (!node.IsDefined() || node.IsNull()) return {};
    if (node.IsSequence()) return {Codec<std::vector<double>>::parse(node, ctx)};
    return {{parse_double(node, ctx)}};
  }
  static YAML::Node emit(const PerGroup& value) {
    if (value.values.empty()) return YAML::Node(YAML::NodeType::Null);
    if (value.values.size() == 1) return emit_double(value.values.front());
    return Codec<std::vector<double>>::emit(value.values);
  }
  static std::string type_name() { return "float or list of float (one per param group)"; }
};

}  // namespace attune::config
