#pragma once
// A YAML document as JSON, for what speaks JSON (trial parameters, the
// benchmarks' Python side).
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace attune {

/// `node` as JSON, keys in their order: a plain scalar keeps the type YAML
/// would give it (`1e-3` a number, `true` a boolean, `cosine` a string), a
/// quoted one stays a string; null and undefined become null.
nlohmann::ordered_json yaml_to_json(const YAML::Node& node);

}  // namespace attune
