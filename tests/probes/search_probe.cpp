// An ask-and-tell loop over attune's samplers, for comparing them with other
// libraries' on test functions (tests/python/tpe_reference.py drives it):
//
//   search_probe --space '{x: {distribution: uniform, low: -5, high: 10}}' \
//                --strategy tpe|random [--seed N] [--multivariate] [--maximize]
//                [--objectives K]
//
// Writes one trial's values as a JSON object per line, then reads the
// trial's value (a number; `nan` for a failed trial; with K objectives, K
// numbers separated by spaces, each minimized) from the next line of stdin,
// until stdin ends.
#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <sstream>
#include <string>

#include "core/error.h"
#include "core/search/tpe_sampler.h"

int main(int argc, char** argv) {
  using namespace attune;
  CLI::App app{"attune's samplers, one trial at a time"};
  std::string space_yaml, strategy = "tpe";
  uint64_t seed = 0;
  bool multivariate = false, maximize = false;
  size_t objectives = 1;
  app.add_option("--space", space_yaml, "search.space as YAML")->required();
  app.add_option("--strategy", strategy, "tpe or random")->check(CLI::IsMember({"tpe", "random"}));
  app.add_option("--seed", seed, "search.seed");
  app.add_flag("--multivariate", multivariate, "search.tpe.multivariate");
  app.add_flag("--maximize", maximize, "larger values are better");
  app.add_option("--objectives", objectives, "values per trial (several: MOTPE, each minimized)")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    const config::Context ctx("--space", std::filesystem::current_path());
    const SearchSpace space = config::Codec<SearchSpace>::parse(YAML::Load(space_yaml), ctx);
    TpeConfig tpe;
    tpe.multivariate = multivariate;
    const std::vector<MetricGoal> goals(objectives, maximize ? MetricGoal::maximize : MetricGoal::minimize);
    const TpeSampler sampler(space, tpe, goals);
    std::vector<TpeObservation> history;
    for (int64_t index = 0;; ++index) {
      TrialParams params = strategy == "tpe" ? sampler.suggest(history, seed, index) : random_trial(space, seed, index);
      std::cout << params_to_json(params) << std::endl;
      std::string line;
      if (!std::getline(std::cin, line)) return 0;
      TpeObservation observation;
      observation.params = std::move(params);
      std::istringstream values(line);
      for (std::string value; values >> value;) observation.values.push_back(std::stod(value));
      observation.value = observation.values.empty() ? std::nan("") : observation.values.front();
      if (objectives == 1) observation.values.clear();
      history.push_back(std::move(observation));
    }
  } catch (const std::exception& e) {
    std::cerr << "search_probe: " << e.what() << "\n";
    return 1;
  }
}
