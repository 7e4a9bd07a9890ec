// train.eval_every_steps: evaluations at that cadence of optimizer steps (and
// after the run's last), each one a metrics.csv row whose train_loss covers
// the steps since the one before (checked against the steps' own losses as
// the example callback plugin records them), whose checkpoint scores what
// the row says (`attune eval`), and which counts for early stopping; a run
// killed between two evaluations resumes to the uninterrupted run's
// metrics.csv byte for byte, also when the window of steps spans an epoch end.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace eval_every_steps_test {

// 100 training examples in batches of 16: 7 steps an epoch, 14 in two.
constexpr int64_t kStepsPerEpoch = 7;

TEST(EvalEverySteps, RowsAtTheCadenceWithTheirWindowsLossAndTheirWeightsScores) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 100);
  const std::string run = dir.file("run");
  const auto trained =
      testing::run_attune({"train", yaml, "train.epochs=2", "train.eval_every_steps=3", "train.save_top_k=-1",
                           "train.early_stopping.metric=val_loss", "train.callbacks=[{type: csv_log}]", "--plugin",
                           testing::plugin_path("csv_log_callback"), "--run-dir", run});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  auto metrics = testing::read_metrics_columns(run + "/metrics.csv");
  // Every third step, and the run's last.
  EXPECT_EQ(metrics["step"], (std::vector<double>{3, 6, 9, 12, 14}));
  EXPECT_EQ(metrics["epoch"], (std::vector<double>{1, 1, 2, 2, 2}));
  // train_loss: the mean over the examples of the steps since the evaluation before.
  std::vector<double> sums(5), examples(5);
  for (const auto& row : testing::read_csv_rows(run + "/callback_log.csv")) {
    if (row[0] != "step") continue;
    const int step = std::stoi(row[2]);
    const size_t window = step <= 3 ? 0 : step <= 6 ? 1 : step <= 9 ? 2 : step <= 12 ? 3 : 4;
    sums[window] += std::stod(row[6]) * std::stod(row[4]);
    examples[window] += std::stod(row[4]);
  }
  for (size_t w = 0; w < 5; ++w) EXPECT_NEAR(sums[w] / examples[w], metrics["train_loss"][w], 1e-6) << w;
  // Each evaluation's checkpoint holds the weights it scored.
  const auto summary = nlohmann::json::parse(testing::read_text(run + "/summary.json"));
  ASSERT_EQ(summary["top_checkpoints"].size(), 5u);
  for (const auto& kept : summary["top_checkpoints"]) {
    const auto step = kept["step"].get<int64_t>();
    const size_t row =
        std::find(metrics["step"].begin(), metrics["step"].end(), static_cast<double>(step)) - metrics["step"].begin();
    ASSERT_LT(row, 5u) << step;
    EXPECT_EQ(kept["epoch"].get<int64_t>(), (step - 1) / kStepsPerEpoch + 1);
    const auto scored = testing::run_attune({"eval", run, "--checkpoint", run + "/" + kept["file"].get<std::string>()});
    ASSERT_EQ(scored.exit_code, 0) << scored.err;
    const auto values = nlohmann::json::parse(scored.out);
    EXPECT_NEAR(values["val_loss"].get<double>(), metrics["val_loss"][row], 1e-6) << step;
    EXPECT_EQ(values["val_accuracy"].get<double>(), metrics["val_accuracy"][row]) << step;
  }
  EXPECT_EQ(summary["steps"], 14);
  EXPECT_EQ(summary["epochs"], 2);
}

TEST(EvalEverySteps, EarlyStoppingCountsEvaluationsAndStopsMidEpoch) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 100);
  const std::string run = dir.file("run");
  // No later evaluation can improve by 100: the run stops at the third, at step 9 of 14.
  const auto trained =
      testing::run_attune({"train", yaml, "train.epochs=2", "train.eval_every_steps=3",
                           "train.early_stopping={metric: val_loss, patience: 2, min_delta: 100}", "--run-dir", run});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto summary = nlohmann::json::parse(testing::read_text(run + "/summary.json"));
  EXPECT_TRUE(summary["stopped_early"].get<bool>());
  EXPECT_EQ(summary["steps"], 9);
  EXPECT_EQ(summary["best"]["step"], 3);
  auto metrics = testing::read_metrics_columns(run + "/metrics.csv");
  EXPECT_EQ(metrics["step"], (std::vector<double>{3, 6, 9}));
  const auto best = testing::run_attune({"eval", run});
  ASSERT_EQ(best.exit_code, 0) << best.err;
  EXPECT_NEAR(nlohmann::json::parse(best.out)["val_loss"].get<double>(), metrics["val_loss"][0], 1e-6);
}

TEST(EvalEverySteps, AKilledRunResumesToTheUninterruptedMetrics) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 100);
  const std::string kill_plugin = testing::plugin_path("test_kill_callback");
  // Evaluations every 5 steps: 5, 10, 14. Killed after step 6 the run resumes
  // from step 5's checkpoint (mid-epoch, dropout on); killed after step 9,
  // from the end of epoch 1 (step 7), whose window (steps 6 and 7) belongs to
  // the evaluation at step 10.
  const std::vector<std::string> common = {"train.epochs=2", "train.eval_every_steps=5", "--plugin", kill_plugin};
  auto args = [&](const std::string& run, const std::string& extra) {
    std::vector<std::string> result = {"train", yaml};
    result.insert(result.end(), common.begin(), common.end());
    if (!extra.empty()) result.push_back(extra);
    result.insert(result.end(), {"--run-dir", dir.file(run)});
    return result;
  };
  const auto whole = testing::run_attune(args("whole", ""));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  for (const int killed_at : {6, 9}) {
    const std::string name = "killed" + std::to_string(killed_at);
    const auto killed =
        testing::run_attune(args(name, "train.callbacks=[{type: test_kill, step: " + std::to_string(killed_at) + "}]"));
    ASSERT_EQ(killed.exit_code, 137) << killed.err;
    const auto state = nlohmann::json::parse(testing::read_text(dir.file(name + "/summary.json")));
    EXPECT_EQ(state["steps"], killed_at == 6 ? 5 : 7);  // the last checkpoint's
    const auto resumed = testing::run_attune({"train", "--resume", dir.file(name)});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(testing::read_text(dir.file(name + "/metrics.csv")), testing::read_text(dir.file("whole/metrics.csv")))
        << "killed after step " << killed_at;
  }
  EXPECT_EQ(testing::read_metrics_columns(dir.file("whole/metrics.csv"))["step"], (std::vector<double>{5, 10, 14}));
}

TEST(EvalEverySteps, ASweepRefusesIt) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64, "search: {space: {optimizer.lr: [0.001, 0.003]}}\n");
  const auto result =
      testing::run_attune({"sweep", yaml, "train.eval_every_steps=5", "--sweep-dir", dir.file("sweep")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("train.eval_every_steps"), std::string::npos) << result.err;
}

}  // namespace eval_every_steps_test
}  // namespace attune
