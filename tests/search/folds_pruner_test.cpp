#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "core/search/folds.h"
#include "core/search/pruner.h"

namespace attune {
namespace folds_pruner_test {

TEST(StratifiedFolds, AreDisjointCoverEverythingAndKeepClassProportions) {
  // Uneven classes: 50 / 30 / 7 examples.
  std::vector<int64_t> labels;
  for (int i = 0; i < 87; ++i) labels.push_back(i < 50 ? 0 : i < 80 ? 1 : 2);
  std::rotate(labels.begin(), labels.begin() + 13, labels.end());
  for (int64_t k : {2, 3, 5}) {
    const auto folds = stratified_folds(labels, k, 11);
    ASSERT_EQ(static_cast<int64_t>(folds.size()), k);
    std::vector<int> seen(labels.size(), 0);
    for (const auto& fold : folds) {
      for (int64_t i : fold.valid) ++seen[i];
      // train is exactly everything else
      EXPECT_EQ(fold.train.size() + fold.valid.size(), labels.size());
      std::vector<int64_t> all = fold.train;
      all.insert(all.end(), fold.valid.begin(), fold.valid.end());
      std::sort(all.begin(), all.end());
      std::vector<int64_t> expected(labels.size());
      std::iota(expected.begin(), expected.end(), 0);
      EXPECT_EQ(all, expected);
      // each class's share of the fold is its share of the whole, within one example
      std::map<int64_t, int64_t> counts;
      for (int64_t i : fold.valid) ++counts[labels[i]];
      for (auto [label, total] : std::map<int64_t, int64_t>{{0, 50}, {1, 30}, {2, 7}}) {
        EXPECT_LE(std::abs(static_cast<double>(counts[label]) - static_cast<double>(total) / k), 1.0)
            << "k " << k << " class " << label;
      }
    }
    EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));  // every example validated once
  }
  EXPECT_EQ(stratified_folds(labels, 3, 11)[1].valid, stratified_folds(labels, 3, 11)[1].valid);  // seeded
  EXPECT_NE(stratified_folds(labels, 3, 11)[1].valid, stratified_folds(labels, 3, 12)[1].valid);
}

TEST(AshaPruner, RungsAreMinEpochsTimesPowersOfTheReductionFactor) {
  const AshaPruner asha(1, 3, 27, MetricGoal::maximize);
  std::vector<int64_t> rungs;
  for (int64_t e = 1; e <= 27; ++e) {
    if (asha.is_rung(e)) rungs.push_back(e);
  }
  EXPECT_EQ(rungs, (std::vector<int64_t>{1, 3, 9}));  // 27 is the end of training, not a rung
}

TEST(AshaPruner, PromotesExactlyTheTopThirdOfARung) {
  const AshaPruner asha(1, 3, 27, MetricGoal::maximize);
  // Nine trials at rung 3, all known: the top 9/3 = 3 go on.
  const std::vector<double> values = {0.61, 0.93, 0.45, 0.88, 0.72, 0.95, 0.51, 0.66, 0.80};
  std::vector<double> promoted;
  for (size_t i = 0; i < values.size(); ++i) {
    std::vector<double> others = values;
    others.erase(others.begin() + static_cast<long>(i));
    if (!asha.should_prune(3, values[i], others)) promoted.push_back(values[i]);
  }
  std::sort(promoted.begin(), promoted.end());
  EXPECT_EQ(promoted, (std::vector<double>{0.88, 0.93, 0.95}));
  // Between rungs nobody is stopped, however bad.
  EXPECT_FALSE(asha.should_prune(2, 0.01, values));
  // Minimising: the three lowest go on.
  const AshaPruner losses(1, 3, 27, MetricGoal::minimize);
  std::vector<double> kept;
  for (size_t i = 0; i < values.size(); ++i) {
    std::vector<double> others = values;
    others.erase(others.begin() + static_cast<long>(i));
    if (!losses.should_prune(9, values[i], others)) kept.push_back(values[i]);
  }
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<double>{0.45, 0.51, 0.61}));
}

TEST(AshaPruner, EarlyArrivalsGoOnOnlyWhileBestSoFar) {
  const AshaPruner asha(1, 3, 27, MetricGoal::maximize);
  EXPECT_FALSE(asha.should_prune(1, 0.5, {}));     // the first at a rung always goes on
  EXPECT_FALSE(asha.should_prune(1, 0.7, {0.5}));  // fewer than 3: only the best so far
  EXPECT_TRUE(asha.should_prune(1, 0.6, {0.5, 0.7}));
}

TEST(MedianPruner, StopsTrialsBelowTheMedianAfterStartup) {
  const MedianPruner median(2, 3, MetricGoal::maximize);
  EXPECT_FALSE(median.should_prune(1, 0.1, {0.9, 0.8, 0.7}));  // before min_epochs
  EXPECT_FALSE(median.should_prune(2, 0.1, {0.9, 0.8}));       // fewer than startup_trials
  EXPECT_TRUE(median.should_prune(2, 0.75, {0.9, 0.8, 0.7, 0.85}));
  EXPECT_FALSE(median.should_prune(2, 0.83, {0.9, 0.8, 0.7, 0.85}));
}

}  // namespace folds_pruner_test
}  // namespace attune
