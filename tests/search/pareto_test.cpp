// Several objectives: non-dominated ranks, hypervolumes, and MOTPE's split
// and weights equal those of python3-optuna 3.1's own helpers on random
// points (ties and repeats included), and the Pareto ASHA pruner, on a scripted sweep where trials
// trade accuracy against size, never stops a trial that ends on the final
// front, while it does stop trials and while ASHA on accuracy alone would
// stop a trial of that front.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "core/search/pareto.h"
#include "core/search/pruner.h"
#include "tests/support/test_support.h"

namespace attune {
namespace pareto_test {

TEST(Pareto, RanksAndHypervolumesEqualOptunas) {
  std::mt19937_64 random(20261203);
  nlohmann::json cases = nlohmann::json::array();
  std::vector<std::vector<int>> our_ranks;
  std::vector<double> our_volumes;
  std::vector<std::vector<size_t>> our_below;
  std::vector<std::vector<double>> our_weights;
  for (bool coarse : {true, false}) {
    for (size_t objectives : {2, 3, 4}) {
      for (size_t n : {1, 5, 20, 40}) {
        // Coarse values (a tenth apart) make ties and repeated points common;
        // fine ones (for the split, where hypervolume contributions compare)
        // leave no near-ties to rounding.
        std::uniform_int_distribution<int> tenth(0, 10);
        std::uniform_real_distribution<double> fine(-1.0, 1.0);
        std::vector<LossVector> points(n, LossVector(objectives));
        for (auto& p : points) {
          for (double& x : p) x = coarse ? tenth(random) / 10.0 : fine(random);
        }
        const LossVector reference(objectives, 1.1);
        const size_t below = (n + 2) / 3;
        our_ranks.push_back(nondominated_ranks(points));
        our_volumes.push_back(hypervolume(points, reference));
        our_below.push_back(pareto_best(points, below));
        std::vector<LossVector> chosen;
        for (size_t i : our_below.back()) chosen.push_back(points[i]);
        our_weights.push_back(hypervolume_weights(chosen));
        cases.push_back({{"points", points}, {"reference", reference}, {"below", below}, {"coarse", coarse}});
      }
    }
  }
  const auto reference = testing::python_reference("pareto_reference.py", cases);
  ASSERT_EQ(reference.size(), cases.size());
  for (size_t c = 0; c < cases.size(); ++c) {
    SCOPED_TRACE(cases[c]["points"].dump());
    EXPECT_EQ(our_ranks[c], reference[c]["ranks"].get<std::vector<int>>());
    EXPECT_NEAR(our_volumes[c], reference[c]["hypervolume"].get<double>(), 1e-12);
    if (cases[c]["coarse"].get<bool>()) continue;
    EXPECT_EQ(our_below[c], reference[c]["below"].get<std::vector<size_t>>());
    const auto weights = reference[c]["weights"].get<std::vector<double>>();
    ASSERT_EQ(our_weights[c].size(), weights.size());
    for (size_t i = 0; i < weights.size(); ++i) EXPECT_NEAR(our_weights[c][i], weights[i], 1e-9) << i;
  }
}

// 30 trials, each a model size (parameters, constant) and an accuracy curve
// rising to its own level, larger models reaching higher on the whole (so
// that the front trades one for the other), a trial's curve never crossing
// another's by more than noise; reports arrive interleaved at random, as
// parallel workers send them.
TEST(ParetoAshaPruner, NeverStopsATrialThatEndsOnTheFinalFront) {
  constexpr int kTrials = 30, kEpochs = 27;
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> size(1e4, 1e6), spread(-0.15, 0.15), noise(-0.004, 0.004);
  std::vector<double> levels, sizes;
  std::vector<std::vector<double>> accuracy(kTrials);
  for (int t = 0; t < kTrials; ++t) {
    sizes.push_back(size(random));
    levels.push_back(0.5 + 0.4 * (sizes.back() - 1e4) / (1e6 - 1e4) + spread(random));
    for (int e = 1; e <= kEpochs; ++e) accuracy[t].push_back(levels[t] * (1 - std::exp(-e / 4.0)) + noise(random));
  }
  auto losses = [&](int t, int epoch) { return std::vector<double>{-accuracy[t][epoch - 1], sizes[t]}; };
  std::vector<LossVector> final_points;
  for (int t = 0; t < kTrials; ++t) final_points.push_back(losses(t, kEpochs));
  const auto final_ranks = nondominated_ranks(final_points);

  const ParetoAshaPruner pareto(1, 3, kEpochs, 0.05);
  const AshaPruner accuracy_only(1, 3, kEpochs, MetricGoal::maximize);
  std::vector<int> next(kTrials, 1);
  std::vector<bool> stopped(kTrials, false), stopped_by_accuracy(kTrials, false);
  std::map<int, std::vector<LossVector>> reported;       // epoch -> points so far
  std::map<int, std::vector<double>> reported_accuracy;  // epoch -> accuracies so far
  for (int left = kTrials * kEpochs; left > 0; --left) {
    std::vector<int> open;
    for (int t = 0; t < kTrials; ++t) {
      if (next[t] <= kEpochs) open.push_back(t);
    }
    const int t = open[std::uniform_int_distribution<size_t>(0, open.size() - 1)(random)];
    const int epoch = next[t]++;
    // Every trial reports every epoch here, so that both pruners see the
    // same rungs; a decision only marks the trial.
    if (!stopped[t] && pareto.should_prune(epoch, losses(t, epoch), reported[epoch])) stopped[t] = true;
    if (!stopped_by_accuracy[t] &&
        accuracy_only.should_prune(epoch, accuracy[t][epoch - 1], reported_accuracy[epoch])) {
      stopped_by_accuracy[t] = true;
    }
    reported[epoch].push_back(losses(t, epoch));
    reported_accuracy[epoch].push_back(accuracy[t][epoch - 1]);
  }
  int front = 0, stopped_count = 0, front_stopped_by_accuracy = 0;
  for (int t = 0; t < kTrials; ++t) {
    stopped_count += stopped[t];
    if (final_ranks[t] != 0) continue;
    ++front;
    EXPECT_FALSE(stopped[t]) << "trial " << t << " ends on the front (accuracy " << accuracy[t].back() << ", size "
                             << sizes[t] << ")";
    front_stopped_by_accuracy += stopped_by_accuracy[t];
  }
  EXPECT_GE(front, 3);
  EXPECT_GE(stopped_count, (kTrials - front) / 3) << "it should stop a third of the trials that end off the front";
  EXPECT_GE(front_stopped_by_accuracy, 1) << "ASHA on accuracy alone stops a small model of the front";
}

}  // namespace pareto_test
}  // namespace attune
