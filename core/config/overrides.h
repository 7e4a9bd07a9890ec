#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "core/config/context.h"

namespace attune::config {

/// Reads a YAML file; a syntax error becomes an InputError with its line and
/// column, an empty file or a non-map document an InputError too.
YAML::Node load_yaml_file(const std::string& path);

/// InputError at the second of two equal keys in one map, anywhere under
/// `node` (yaml-cpp would keep both and read only the first).
void reject_duplicate_keys(const YAML::Node& node, const std::string& path);

/// Applies one `dotted.key=value` override to `root` (the value is YAML:
/// `8`, `1e-4`, `[1, 2]`, `{type: cosine}`), creating maps on the way and
/// indexing lists by number (`init.0.type=zeros`). Records it in `overrides`
/// so that errors about the key name the override instead of a file line.
void apply_override(YAML::Node& root, const std::string& text, OverrideMap& overrides);

/// The same with the value already parsed; `where` is what errors call its
/// origin ("search trial 3: `model.num_heads=8`").
void apply_override(YAML::Node& root, const std::string& key, const YAML::Node& value, const std::string& where,
                    OverrideMap& overrides);

}  // namespace attune::config
