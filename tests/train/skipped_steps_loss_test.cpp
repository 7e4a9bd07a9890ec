// train.skip_nonfinite: a skipped step's examples leave the epoch's train_loss
// with its loss. The run is built so that the reference is arithmetic: every
// weight starts at zero, so every finite step's loss is exactly ln 2 (two
// classes, equal logits), and an lr near float's limit makes the first update
// overflow, after which (nearly) every step is non-finite and skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace skipped_steps_loss_test {

TEST(SkippedSteps, LeaveTheTrainLossDenominatorToo) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);  // 4 steps an epoch
  const std::string run = dir.file("run");
  const auto trained = testing::run_attune({"train", yaml, "train.epochs=2", "init=[{match: \"*\", type: zeros}]",
                                            "optimizer.lr=3e38", "scheduler={type: none}", "train.grad_clip_norm=0",
                                            "train.skip_nonfinite=true", "--run-dir", run});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto summary = nlohmann::json::parse(testing::read_text(run + "/summary.json"));
  std::map<int64_t, int64_t> skipped;  // per epoch
  for (const auto& step : summary["nonfinite_steps"]) ++skipped[step["epoch"].get<int64_t>()];
  ASSERT_GT(skipped[1], 0) << summary.dump(2);
  ASSERT_LT(skipped[1], 4) << "the first step has zero weights and a finite loss";

  std::istringstream lines(testing::read_text(run + "/metrics.csv"));
  std::string header, line;
  std::getline(lines, header);
  const auto column = std::count(header.begin(), header.begin() + header.find("train_loss"), ',');
  std::vector<std::string> train_loss;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::string cell;
    for (int c = 0; c <= column; ++c) std::getline(cells, cell, ',');
    train_loss.push_back(cell);
  }
  ASSERT_EQ(train_loss.size(), 2u);
  // Epoch 1: the mean over the steps that counted, all of them ln 2.
  EXPECT_NEAR(std::stod(train_loss[0]), std::log(2.0), 1e-6) << "skipped steps: " << skipped[1];
  // An epoch whose every step was skipped has no loss to report: nan, not 0.
  if (skipped[2] == 4) EXPECT_EQ(train_loss[1], "nan");
}

}  // namespace skipped_steps_loss_test
}  // namespace attune
