#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "core/config/codec.h"
#include "core/registry/registry.h"
#include "core/text/suggest.h"

namespace attune {

/// A component chosen by name in YAML (`{type: cosine, t_max: 100}`): the
/// registered type and its resolved options (validated, defaults filled in).
template <class Kind>
struct Component {
  using component_tag = void;
  std::string type;
  YAML::Node options = YAML::Node(YAML::NodeType::Map);

  /// Builds it through the registry of Kind.
  std::shared_ptr<typename Kind::Base> create(const typename Kind::Args& args) const {
    const auto* entry = registry<Kind>().find(type);
    if (!entry) input_error("{} `{}` is not registered", Kind::kName, type);
    return entry->create(options, args);
  }
};

}  // namespace attune

namespace attune::config {

template <class Kind>
struct Codec<Component<Kind>> {
  /// `default_type` is used when the map has no `type` key (empty: required).
  static Component<Kind> parse(const YAML::Node& node, const Context& ctx,
                               const std::vector<std::string>& sibling_keys = {},
                               const std::string& default_type = "") {
    if (node.IsDefined() && !node.IsNull() && !node.IsMap() && !node.IsScalar()) {
      ctx.fail(node, fmt::format("expected a {} name or a map with a `type` key naming one, got {}", Kind::kName,
                                 describe(node)));
    }
    // A bare name (`metrics: [accuracy, f1]`) is the map {type: name}.
    const YAML::Node type_node = node.IsDefined() && node.IsMap() ? node["type"]
                                 : node.IsScalar()                ? node
                                                                  : YAML::Node();
    Component<Kind> result;
    if (type_node.IsDefined()) {
      result.type = parse_string(type_node, ctx.child("type", type_node));
    } else if (!default_type.empty()) {
      result.type = default_type;
    } else {
      ctx.fail(node, fmt::format("missing required key `type` (one of {})", quoted_list(registry<Kind>().names())));
    }
    const auto* entry = registry<Kind>().find(result.type);
    if (!entry) {
      const auto names = registry<Kind>().names();
      ctx.child("type", type_node)
          .fail(type_node, fmt::format("unknown {} `{}`{}", Kind::kName, result.type, did_you_mean(result.type, names)),
                fmt::format("; registered {}: {}", Kind::kPlural, quoted_list(names)));
    }
    YAML::Node rest(YAML::NodeType::Map);
    if (node.IsDefined() && node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (it->first.Scalar() != "type") rest[it->first] = it->second;
      }
    }
    // `rest` has no position of its own: errors about it point at the parent key.
    result.options = entry->schema->resolve(rest, ctx, sibling_keys);
    return result;
  }

  static YAML::Node emit(const Component<Kind>& value) {
    YAML::Node map(YAML::NodeType::Map);
    map["type"] = value.type;
    for (auto it = value.options.begin(); it != value.options.end(); ++it) {
      map[it->first.Scalar()] = it->second;
    }
    return map;
  }

  static std::string type_name() { return std::string(Kind::kName); }
};

}  // namespace attune::config
