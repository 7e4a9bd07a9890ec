#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "core/config/codec.h"

namespace attune {

/// A searched key's `distribution:`. A plain list is a `choice` among its values.
enum class Distribution { choice, uniform, log_uniform, int_uniform };
inline const config::EnumNames<Distribution>& enum_names(Distribution) {
  static const config::EnumNames<Distribution> names = {{Distribution::choice, "choice"},
                                                        {Distribution::uniform, "uniform"},
                                                        {Distribution::log_uniform, "log_uniform"},
                                                        {Distribution::int_uniform, "int_uniform"}};
  return names;
}

/// One searched key: a list of values (grid, or `choice`) or a distribution.
struct SearchDimension {
  std::string key;                                   // dotted config key: `optimizer.lr`, `scheduler`, ...
  Distribution distribution = Distribution::choice;  // a list is a choice
  std::vector<YAML::Node> values;                    // the list, or choice's values
  double low = 0, high = 0;                          // uniform, log_uniform, int_uniform (inclusive)
  YAML::Node source;                                 // as written, for emitting and messages
};

inline bool is_choice(const SearchDimension& d) {
  return d.distribution == Distribution::choice;
}

/// `search.space`: searched keys in the order written. A value is any YAML
/// (a number, a name, a whole `{type: ...}` map), so scheduler and
/// initializer choices come with their own parameters.
struct SearchSpace {
  std::vector<SearchDimension> dimensions;
};

}  // namespace attune

namespace attune::config {

template <>
struct Codec<SearchSpace> {
  static SearchSpace parse(const YAML::Node& node, const Context& ctx);
  static YAML::Node emit(const SearchSpace& space);
  static std::string type_name() { return "map of key: list or {distribution, ...}"; }
};

}  // namespace attune::config
