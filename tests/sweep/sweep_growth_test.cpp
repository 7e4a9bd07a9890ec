// Growing a sweep: more grid values or a larger `search.trials` on an
// existing sweep folder continue it with the trials already done; a change
// to what a finished trial meant is refused, naming the key.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/sweep/trial_store.h"
#include "tests/sweep/sweep_support.h"

namespace attune {
namespace sweep_growth_test {

using testing::read_csv;
using testing::sweep_experiment;
const std::vector<std::string>& kEnv = testing::kSweepEnv;

/// Every trial and fold in a sweep folder's store, as text to compare.
std::vector<std::string> store_contents(const testing::TempDir& dir) {
  auto store = open_trial_store("sqlite://" + dir.file("sweep/trials.db"), "tiny");
  std::vector<std::string> lines;
  for (const auto& trial : store->trials()) {
    std::string line = fmt::format("{} {} {}", trial.trial, trial.params_json, to_string(trial.status));
    for (const auto& fold : store->folds(trial.trial)) {
      line += fmt::format(" | fold {} {} epoch {} of {}", fold.fold, fold.value, fold.best_epoch, fold.epochs);
    }
    lines.push_back(line);
  }
  return lines;
}

TEST(SweepGrowth, AddingGridValuesContinuesTheSweepWithTheTrialsDone) {
  testing::TempDir dir;
  sweep_experiment(dir, "{type: none}", "{optimizer.lr: [0.001, 0.003], model.num_heads: [1, 2]}");
  const auto run = [&](const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"sweep", dir.file("tiny.yaml"), "train.epochs=2", "--sweep-dir",
                                     dir.file("sweep")};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::run_attune(args, "", kEnv);
  };
  const auto first = run();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto before = store_contents(dir);
  ASSERT_EQ(before.size(), 4u);
  const auto rows_before = read_csv(dir.file("sweep/results.csv"));
  const std::string metrics = dir.file("sweep/trials/trial_0000/fold_0/metrics.csv");
  const auto written = std::filesystem::last_write_time(metrics);

  // A value added to one list, and the keys written in another order.
  sweep_experiment(dir, "{type: none}", "{model.num_heads: [1, 2], optimizer.lr: [0.001, 0.002, 0.003]}");
  const auto grown = run();
  ASSERT_EQ(grown.exit_code, 0) << grown.err;
  EXPECT_NE(grown.err.find("6 trials x 2 folds (2 new, added to the 4 already in the store)"), std::string::npos)
      << grown.err;
  const auto after = store_contents(dir);
  ASSERT_EQ(after.size(), 6u);
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i], before[i]);  // untouched, results included
  EXPECT_EQ(std::filesystem::last_write_time(metrics), written);              // and not trained again
  const auto rows = read_csv(dir.file("sweep/results.csv"));
  ASSERT_EQ(rows.size(), 6u);
  for (size_t i = 0; i < rows_before.size(); ++i) {
    for (const auto& [column, cell] : rows_before[i]) {
      // Ranks move with the new trials; params lists the keys in the space's new order.
      if (column != "rank_test_score" && column != "params")
        EXPECT_EQ(rows[i].at(column), cell) << "trial " << i << " " << column;
    }
  }
  for (size_t i = 4; i < 6; ++i) {
    EXPECT_EQ(rows[i].at("trial"), std::to_string(i));
    EXPECT_EQ(rows[i].at("param_optimizer.lr"), "0.002");
    EXPECT_EQ(rows[i].at("status"), "complete");
  }
  EXPECT_EQ(rows[4].at("param_model.num_heads"), "1");
  EXPECT_EQ(rows[5].at("param_model.num_heads"), "2");

  // What only decides which trials run, or where, may change.
  const auto elsewhere = run({"search.stale_after_seconds=30", "search.refit=false", "--workers", "1"});
  EXPECT_EQ(elsewhere.exit_code, 0) << elsewhere.err;
  EXPECT_EQ(store_contents(dir), after);

  // What a finished trial meant may not: each refusal names the key.
  const std::vector<std::pair<std::vector<std::string>, std::string>> changes = {
      {{"model.hidden_dim=32"}, "was made with model.hidden_dim=16; this run has 32"},
      {{"search.cv_folds=3"}, "was made with search.cv_folds=2; this run has 3"},
      {{"search.metric=val_loss"},
       "was made with search.metric=val_accuracy; this run has val_loss (and 1 more: "
       "search.mode)"},
      {{"search.pruner.type=median"}, "was made with search.pruner.type=none; this run has median"},
  };
  for (const auto& [extra, message] : changes) {
    const auto refused = run(extra);
    EXPECT_EQ(refused.exit_code, 2) << extra[0];
    EXPECT_NE(refused.err.find("sweep `tiny` in " + dir.file("sweep/trials.db") + " " + message), std::string::npos)
        << refused.err;
  }
  sweep_experiment(dir, "{type: none}",
                   "{model.num_heads: [1, 2], optimizer.lr: [0.001, 0.003], optimizer.weight_decay: [0.0]}");
  const auto searched = run();
  EXPECT_EQ(searched.exit_code, 2);
  EXPECT_NE(searched.err.find("was made with search.space=[model.num_heads, optimizer.lr]; this run has "
                              "[model.num_heads, optimizer.lr, optimizer.weight_decay]"),
            std::string::npos)
      << searched.err;
  EXPECT_EQ(store_contents(dir), after);
}

TEST(SweepGrowth, RaisingRandomTrialsKeepsTheFirstSamplesAndTheirResults) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(
      dir, 96,
      "threads: 1\nsearch:\n  strategy: random\n  trials: 2\n  cv_folds: 0\n  space:\n"
      "    optimizer.lr: {distribution: log_uniform, low: 1.0e-4, high: 1.0e-2}\n    model.num_heads: [1, 2]\n");
  const auto run = [&](const std::string& trials) {
    return testing::run_attune(
        {"sweep", yaml, "train.epochs=1", "search.trials=" + trials, "--sweep-dir", dir.file("sweep")}, "", kEnv);
  };
  ASSERT_EQ(run("2").exit_code, 0);
  const auto before = store_contents(dir);
  ASSERT_EQ(before.size(), 2u);
  const auto grown = run("5");
  ASSERT_EQ(grown.exit_code, 0) << grown.err;
  const auto after = store_contents(dir);
  ASSERT_EQ(after.size(), 5u);
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i], before[i]);
  for (size_t i = 2; i < after.size(); ++i)
    EXPECT_NE(after[i].find(" complete | fold 0 "), std::string::npos) << after[i];
}

}  // namespace sweep_growth_test
}  // namespace attune
