#include "core/search/strategies.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "core/config/yaml_json.h"
#include "core/data/permutation.h"
#include "core/error.h"

namespace attune {
namespace {

// One uniform draw in [0, 1) from the trial's own stream.
struct TrialRandom {
  explicit TrialRandom(uint64_t seed) : engine(seed) {}
  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(engine); }
  std::mt19937_64 engine;
};

}  // namespace

std::string describe_value(const YAML::Node& value) {
  if (value.IsScalar()) return value.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << value;
  return out.c_str();
}

std::vector<TrialParams> grid_trials(const SearchSpace& space) {
  for (const auto& d : space.dimensions) {
    if (d.distribution != Distribution::choice) {
      input_error("search.space.{}: a {} distribution has no grid; give a list, or use strategy: random", d.key,
                  config::name_of(d.distribution));
    }
  }
  std::vector<TrialParams> trials(1);
  for (const auto& d : space.dimensions) {
    std::vector<TrialParams> next;
    for (const auto& partial : trials) {
      for (const auto& value : d.values) {
        TrialParams extended = partial;
        extended.emplace_back(d.key, value);
        next.push_back(std::move(extended));
      }
    }
    trials = std::move(next);
  }
  if (space.dimensions.empty()) return {};
  return trials;
}

YAML::Node number_value(double x) {
  // Loaded, not constructed: a plain scalar, which params_to_json keeps a number.
  return YAML::Load(fmt::format("{}", x));
}

TrialParams random_trial(const SearchSpace& space, uint64_t seed, int64_t index) {
  TrialRandom random(mix_seed(seed, static_cast<uint64_t>(index)));
  TrialParams params;
  for (const auto& d : space.dimensions) {
    const double u = random.uniform();
    YAML::Node value;
    switch (d.distribution) {
      case Distribution::choice:
        value = d.values[std::min(d.values.size() - 1, static_cast<size_t>(u * static_cast<double>(d.values.size())))];
        break;
      case Distribution::uniform:
        value = number_value(d.low + u * (d.high - d.low));
        break;
      case Distribution::log_uniform:
        value = number_value(std::exp(std::log(d.low) + u * (std::log(d.high) - std::log(d.low))));
        break;
      case Distribution::int_uniform: {  // both ends included
        const auto span = static_cast<int64_t>(d.high - d.low) + 1;
        value = number_value(static_cast<double>(
            static_cast<int64_t>(d.low) + std::min(span - 1, static_cast<int64_t>(u * static_cast<double>(span)))));
        break;
      }
    }
    params.emplace_back(d.key, value);
  }
  return params;
}

std::vector<TrialParams> random_trials(const SearchSpace& space, int64_t count, uint64_t seed) {
  std::vector<TrialParams> trials;
  for (int64_t i = 0; i < count; ++i) trials.push_back(random_trial(space, seed, i));
  return trials;
}

std::string params_to_json(const TrialParams& params) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const auto& [key, value] : params) object[key] = yaml_to_json(value);
  return object.dump();
}

TrialParams params_from_json(const std::string& json) {
  TrialParams params;
  const auto object = nlohmann::ordered_json::parse(json);
  for (const auto& [key, value] : object.items()) params.emplace_back(key, YAML::Load(value.dump()));
  return params;
}

}  // namespace attune
