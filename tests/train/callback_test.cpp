// train.callbacks with the example plugin (examples/plugins/csv_log_callback):
// the hooks come in the loop's order, once per step and evaluation, and the
// numbers they carry are the run's own: the steps' losses average to each
// epoch's train_loss, the evaluations' values are metrics.csv's.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace callback_test {

TEST(Callbacks, HooksComeInTheLoopsOrderWithTheRunsNumbers) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 100);  // 7 steps an epoch
  const std::string plugin = testing::plugin_path("csv_log_callback");
  const auto listed = testing::run_attune({"list", "callbacks", "--plugin", plugin});
  EXPECT_NE(listed.out.find("csv_log"), std::string::npos) << listed.out << listed.err;
  const auto trained =
      testing::run_attune({"train", yaml, "train.epochs=2", "train.callbacks=[{type: csv_log, metric: val_accuracy}]",
                           "--plugin", plugin, "--run-dir", dir.file("run")});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto rows = testing::read_csv_rows(dir.file("run/callback_log.csv"));
  std::string events;
  for (const auto& row : rows) events += row[0] == "step" ? "s" : row[0] + " ";
  EXPECT_EQ(events,
            "train_start epoch_start sssssss"
            "evaluation epoch_end epoch_start sssssss"
            "evaluation epoch_end train_end ");
  auto metrics = testing::read_metrics_columns(dir.file("run/metrics.csv"));
  std::map<int, double> loss_sum, examples;
  int evaluation = 0, last_step = 0;
  for (const auto& row : rows) {
    if (row[0] == "step") {
      const int epoch = std::stoi(row[1]);
      EXPECT_EQ(std::stoi(row[2]), last_step + 1);  // every optimizer step, in order
      last_step = std::stoi(row[2]);
      loss_sum[epoch] += std::stod(row[6]) * std::stod(row[4]);
      examples[epoch] += std::stod(row[4]);
    } else if (row[0] == "evaluation") {
      EXPECT_EQ(std::stod(row[6]), metrics["val_accuracy"].at(evaluation));
      EXPECT_EQ(std::stod(row[2]), metrics["step"].at(evaluation));
      ++evaluation;
    }
  }
  EXPECT_EQ(evaluation, 2);
  EXPECT_EQ(last_step, 14);
  for (int epoch : {1, 2}) {
    EXPECT_NEAR(loss_sum[epoch] / examples[epoch], metrics["train_loss"].at(epoch - 1), 1e-6) << epoch;
  }
}

}  // namespace callback_test
}  // namespace attune
