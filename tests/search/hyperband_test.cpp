// search.pruner: hyperband. On scripted sequences of reports (seeded values,
// a few NaN, trials interleaved at random), every decision, each trial's
// bracket and the number of brackets equal those of python3-optuna's own
// HyperbandPruner (tests/python/hyperband_reference.py) on the same reports,
// for both directions, reduction factors 2, 3 and 10, and resource ratios
// where Python's floating log decides the number of brackets (243 = 3^5
// gives 5, 1000 = 10^3 gives 3).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "core/error.h"
#include "core/search/pruner.h"
#include "tests/support/test_support.h"

namespace attune {
namespace hyperband_test {

struct Case {
  std::string study;
  MetricGoal goal;
  int64_t min_resource, max_resource, reduction_factor, trials;
};

TEST(HyperbandPruner, DecisionsEqualOptunasOnScriptedReports) {
  const std::vector<Case> cases = {
      {"digits", MetricGoal::maximize, 1, 27, 3, 40}, {"losses", MetricGoal::minimize, 1, 9, 3, 30},
      {"halves", MetricGoal::maximize, 2, 20, 2, 24}, {"fives", MetricGoal::minimize, 1, 243, 3, 12},
      {"tens", MetricGoal::maximize, 1, 1000, 10, 6},
  };
  std::mt19937_64 random(20261202);
  nlohmann::json specs = nlohmann::json::array();
  std::vector<std::vector<std::array<int64_t, 3>>> ours(cases.size());  // trial, step, pruned
  std::vector<std::vector<int64_t>> our_brackets(cases.size());
  std::vector<int64_t> our_counts;
  for (size_t c = 0; c < cases.size(); ++c) {
    const Case& test = cases[c];
    const int64_t last_step = test.max_resource;
    // Each trial's values: a level of its own plus noise, some NaN.
    std::normal_distribution<double> level(0.5, 0.2), noise(0.0, 0.05);
    std::bernoulli_distribution nan(0.02);
    std::vector<std::vector<double>> values(static_cast<size_t>(test.trials));
    for (auto& trial : values) {
      const double base = level(random);
      for (int64_t s = 0; s < last_step; ++s) trial.push_back(nan(random) ? NAN : base + noise(random));
    }
    // The order: a random interleaving that keeps each trial's steps in order.
    std::vector<int64_t> next(static_cast<size_t>(test.trials), 1);
    std::vector<std::array<double, 3>> events;
    for (int64_t left = test.trials * last_step; left > 0; --left) {
      std::vector<int64_t> open;
      for (int64_t t = 0; t < test.trials; ++t) {
        if (next[static_cast<size_t>(t)] <= last_step) open.push_back(t);
      }
      const int64_t t = open[std::uniform_int_distribution<size_t>(0, open.size() - 1)(random)];
      const int64_t step = next[static_cast<size_t>(t)]++;
      events.push_back({static_cast<double>(t), static_cast<double>(step),
                        values[static_cast<size_t>(t)][static_cast<size_t>(step - 1)]});
    }
    // Ours, as a sweep's workers ask it: the values at that epoch in the store.
    const HyperbandPruner pruner(test.study, test.min_resource, test.max_resource, test.reduction_factor, test.goal);
    std::map<int64_t, std::vector<PeerValue>> reported;  // epoch -> values
    std::vector<bool> done(static_cast<size_t>(test.trials), false);
    nlohmann::json event_json = nlohmann::json::array();
    for (const auto& [t_value, step_value, value] : events) {
      const auto t = static_cast<int64_t>(t_value), step = static_cast<int64_t>(step_value);
      event_json.push_back({t, step, std::isnan(value) ? nlohmann::json("nan") : nlohmann::json(value)});
      if (done[static_cast<size_t>(t)]) continue;
      const std::vector<PeerValue> others = reported[step];
      reported[step].push_back({t, value});
      const bool pruned = pruner.should_prune(t, step, value, others);
      ours[c].push_back({t, step, pruned ? 1 : 0});
      if (pruned || step == last_step) done[static_cast<size_t>(t)] = true;
    }
    for (int64_t t = 0; t < test.trials; ++t) our_brackets[c].push_back(pruner.bracket(t));
    our_counts.push_back(pruner.brackets());
    specs.push_back({{"study", test.study},
                     {"direction", test.goal == MetricGoal::maximize ? "maximize" : "minimize"},
                     {"min_resource", test.min_resource},
                     {"max_resource", test.max_resource},
                     {"reduction_factor", test.reduction_factor},
                     {"trials", test.trials},
                     {"last_step", last_step},
                     {"events", event_json}});
  }
  const auto reference = testing::python_reference("hyperband_reference.py", specs);
  ASSERT_EQ(reference.size(), cases.size());
  for (size_t c = 0; c < cases.size(); ++c) {
    SCOPED_TRACE(cases[c].study);
    EXPECT_EQ(our_counts[c], reference[c]["n_brackets"].get<int64_t>());
    EXPECT_EQ(our_brackets[c], reference[c]["brackets"].get<std::vector<int64_t>>());
    const auto& theirs = reference[c]["decisions"];
    ASSERT_EQ(ours[c].size(), theirs.size());
    int64_t pruned = 0;
    for (size_t i = 0; i < theirs.size(); ++i) {
      const auto& d = theirs[i];
      ASSERT_EQ(ours[c][i][0], d[0].get<int64_t>()) << "event " << i;
      ASSERT_EQ(ours[c][i][1], d[1].get<int64_t>()) << "event " << i;
      ASSERT_EQ(ours[c][i][2] == 1, d[2].get<bool>())
          << "event " << i << ": trial " << ours[c][i][0] << " at step " << ours[c][i][1];
      pruned += ours[c][i][2];
    }
    EXPECT_GT(pruned, 0);  // the sequence makes it decide both ways
    EXPECT_LT(pruned, cases[c].trials);
  }
  EXPECT_EQ(our_counts[3], 5);  // floor(log(243) / log(3)) + 1, as Python computes it
  EXPECT_EQ(our_counts[4], 3);
}

TEST(HyperbandPruner, MinAboveMaxIsRefused) {
  PrunerConfig config;
  config.type = PrunerType::hyperband;
  config.min_epochs = 10;
  EXPECT_THROW(make_pruner(config, MetricGoal::maximize, 5, "s"), InputError);
}

}  // namespace hyperband_test
}  // namespace attune
