// `attune sweep` with several objectives: per-objective columns and Pareto
// ranks in results.csv as pandas, scipy and Optuna compute them from the fold
// columns, the front written as YAML experiments that `attune check` reads
// back with the parameter count the sweep measured, pareto.svg, and MOTPE
// with Pareto pruning running to the end.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "tests/sweep/sweep_support.h"

namespace attune {
namespace sweep_pareto_test {

using testing::read_csv;
const std::vector<std::string>& kEnv = testing::kSweepEnv;

const char* kObjectives = "search.objectives=[{metric: val_accuracy}, {metric: parameters}]";

TEST(SweepPareto, ColumnsRanksAndFrontAreWhatPandasScipyAndOptunaMakeOfTheFolds) {
  testing::TempDir dir;
  const auto yaml =
      testing::sweep_experiment(dir, "{type: none}", "{model.hidden_dim: [8, 16, 32], optimizer.lr: [0.001, 0.01]}");
  const auto result = testing::run_attune(
      {"sweep", yaml, "train.epochs=2", kObjectives, "--workers", "2", "--sweep-dir", dir.file("sweep")}, "", kEnv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("on the Pareto front"), std::string::npos) << result.out;

  const auto rows = read_csv(dir.file("sweep/results.csv"));
  ASSERT_EQ(rows.size(), 6u);
  for (const char* column : {"split0_test_val_accuracy", "split1_test_parameters", "mean_test_parameters",
                             "std_test_val_accuracy", "rank_test_parameters", "pareto_rank", "mean_test_score"}) {
    EXPECT_TRUE(rows[0].count(column)) << column;
  }
  const auto reference = testing::python_reference(
      "pareto_front_reference.py",
      {{"results", dir.file("sweep/results.csv")},
       {"folds", 2},
       {"objectives", nlohmann::json::array({nlohmann::json::array({"val_accuracy", "max"}),
                                             nlohmann::json::array({"parameters", "min"})})}});
  ASSERT_EQ(reference.at("trials").size(), 6u);
  std::set<std::string> front;
  for (const auto& row : rows) {
    const std::string& trial = row.at("trial");
    for (const char* name : {"val_accuracy", "parameters"}) {
      const auto& expected = reference.at("objectives").at(name);
      EXPECT_NEAR(std::stod(row.at(std::string("mean_test_") + name)), expected.at("mean").at(trial).get<double>(),
                  1e-9)
          << name << " trial " << trial;
      EXPECT_NEAR(std::stod(row.at(std::string("std_test_") + name)), expected.at("std").at(trial).get<double>(), 1e-9);
      EXPECT_EQ(std::stoi(row.at(std::string("rank_test_") + name)), expected.at("rank").at(trial).get<int>())
          << name << " trial " << trial;
    }
    EXPECT_EQ(std::stoi(row.at("pareto_rank")), reference.at("pareto_rank").at(trial).get<int>()) << trial;
    if (row.at("pareto_rank") == "1") front.insert(trial);
    // The first objective is also the single-objective score.
    EXPECT_EQ(row.at("mean_test_score"), row.at("mean_test_val_accuracy"));
  }
  // Sizes differ by hidden_dim alone: three sizes, the smallest always on the front.
  std::set<std::string> sizes;
  for (const auto& row : rows) sizes.insert(row.at("mean_test_parameters"));
  EXPECT_EQ(sizes.size(), 3u);
  ASSERT_FALSE(front.empty());

  // The front's YAML files, one per front trial and no others; each a
  // complete experiment whose model `attune check` counts as the sweep did.
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("sweep/pareto")))
    files.insert(entry.path().filename().string());
  std::set<std::string> expected_files;
  for (const auto& trial : front) expected_files.insert(fmt::format("trial_{:04}.yaml", std::stoi(trial)));
  EXPECT_EQ(files, expected_files);
  for (const auto& row : rows) {
    if (row.at("pareto_rank") != "1") continue;
    const auto check = testing::run_attune(
        {"check", dir.file(fmt::format("sweep/pareto/trial_{:04}.yaml", std::stoi(row.at("trial"))))}, "", kEnv);
    ASSERT_EQ(check.exit_code, 0) << check.err;
    std::smatch match;
    const std::string out = check.out;
    ASSERT_TRUE(std::regex_search(out, match, std::regex("# model: [a-z_]+, ([0-9,]+) parameters"))) << out;
    const std::string count = std::regex_replace(match[1].str(), std::regex(","), "");
    EXPECT_EQ(std::stod(count), std::stod(row.at("mean_test_parameters")));
  }
  const std::string svg = testing::read_text(dir.file("sweep/pareto.svg"));
  EXPECT_NE(svg.find(fmt::format("Pareto front ({} trials)", front.size())), std::string::npos);
  EXPECT_NE(svg.find("parameters"), std::string::npos);
}

TEST(SweepPareto, MotpeWithParetoPruningRunsToTheEndAndTheObjectivesAreTheSweepsMeaning) {
  testing::TempDir dir;
  const auto yaml = testing::sweep_experiment(dir, "{type: asha, min_epochs: 1, reduction_factor: 2}",
                                              "{model.hidden_dim: [8, 16, 32], optimizer.lr: {distribution: "
                                              "log_uniform, low: 1.0e-4, high: 0.03}}");
  const std::vector<std::string> args = {"sweep",
                                         yaml,
                                         "train.epochs=3",
                                         "search.cv_folds=0",
                                         "search.strategy=tpe",
                                         "search.trials=8",
                                         "search.tpe.startup_trials=3",
                                         "search.objectives=[{metric: val_loss}, {metric: parameters}, "
                                         "{metric: latency_ms}]",
                                         "--sweep-dir",
                                         dir.file("sweep")};
  const auto result = testing::run_attune(args, "", kEnv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto rows = read_csv(dir.file("sweep/results.csv"));
  ASSERT_EQ(rows.size(), 8u);
  int on_front = 0;
  for (const auto& row : rows) {
    const std::string& status = row.at("status");
    EXPECT_TRUE(status == "complete" || status == "pruned") << status;
    EXPECT_EQ(row.at("pareto_rank").empty(), status != "complete");
    if (status == "complete") EXPECT_GT(std::stod(row.at("mean_test_latency_ms")), 0.0);
    on_front += row.at("pareto_rank") == "1";
  }
  EXPECT_GE(on_front, 1);
  EXPECT_TRUE(std::filesystem::exists(dir.file("sweep/pareto.svg")));

  // Other objectives would mean other ranks: the store refuses to continue.
  auto changed = args;
  changed[7] = "search.objectives=[{metric: val_loss}, {metric: parameters}]";
  const auto refused = testing::run_attune(changed, "", kEnv);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("search.objectives"), std::string::npos) << refused.err;
}

TEST(SweepPareto, BadObjectivesAreConfigErrorsNamingTheKey) {
  testing::TempDir dir;
  const auto yaml = testing::sweep_experiment(dir);
  auto error_of = [&](const std::vector<std::string>& overrides) {
    std::vector<std::string> args = {"sweep", yaml, "train.epochs=1"};
    args.insert(args.end(), overrides.begin(), overrides.end());
    args.push_back("--sweep-dir");
    args.push_back(dir.file("sweep"));
    const auto result = testing::run_attune(args, "", kEnv);
    EXPECT_NE(result.exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(dir.file("sweep/results.csv")));
    return result.err;
  };
  std::string err = error_of({"search.objectives=[{metric: val_accuracy}, {metric: paramters}]"});
  EXPECT_NE(err.find("search.objectives.1.metric"), std::string::npos) << err;
  EXPECT_NE(err.find("did you mean `parameters`"), std::string::npos) << err;
  err = error_of({kObjectives, "search.pruner.type=median"});
  EXPECT_NE(err.find("with several objectives use pruner.type: asha"), std::string::npos) << err;
  err = error_of({kObjectives, "search.metric=val_loss"});
  EXPECT_NE(err.find("the first of search.objectives is `val_accuracy`"), std::string::npos) << err;
  err = error_of({"search.objectives=[{metric: parameters, mode: max}, {metric: val_loss}]"});
  EXPECT_NE(err.find("contradicts parameters"), std::string::npos) << err;
  err = error_of({"search.objectives=[{metric: val_loss}, {metric: val_loss}]"});
  EXPECT_NE(err.find("each objective once"), std::string::npos) << err;
}

}  // namespace sweep_pareto_test
}  // namespace attune
