#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

#include "core/search/search_space.h"

namespace attune {

/// One trial's values: (config key, YAML value) in the space's order.
using TrialParams = std::vector<std::pair<std::string, YAML::Node>>;

/// Every combination of the space's lists (scikit-learn's ParameterGrid, the
/// last key varying fastest). A distribution in a grid is an InputError.
std::vector<TrialParams> grid_trials(const SearchSpace& space);

/// `count` samples, trial i drawn from (seed, i) alone, so that asking for
/// more trials keeps the first ones. Lists sample uniformly (as `choice`).
std::vector<TrialParams> random_trials(const SearchSpace& space, int64_t count, uint64_t seed);
/// A drawn number as a trial value (a whole number without a decimal point).
YAML::Node number_value(double x);

/// Random search's trial `index`.
TrialParams random_trial(const SearchSpace& space, uint64_t seed, int64_t index);

/// A trial's values as a JSON object text (what the trial store keeps) and back.
std::string params_to_json(const TrialParams& params);
TrialParams params_from_json(const std::string& json);

/// `key=value` with the value in YAML flow style, for messages and tables.
std::string describe_value(const YAML::Node& value);

}  // namespace attune
