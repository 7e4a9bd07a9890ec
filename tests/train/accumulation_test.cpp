// train.accumulate_steps and train.max_steps. Gradient accumulation is only
// a way to take a bigger batch: batch 16 x 2 accumulated steps ends on the
// parameters of batch 32, in one process and as two data-parallel ranks
// (8 x 2 x 2 ranks), within 1e-6. max_steps stops mid-epoch, evaluates
// there, and the lr schedule ends exactly at that step.
#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "core/io/weights_file.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace accumulation_test {

const std::vector<std::string> kEnv = {"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1"};

/// The largest difference between two checkpoints' tensors.
double largest_difference(const std::string& a_path, const std::string& b_path) {
  const StateDict a = read_weights(a_path);
  const StateDict b = read_weights(b_path);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_FALSE(a.empty());
  double largest = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    largest = std::max(largest, (a[i].second - b[i].second).abs().max().item<double>());
  }
  return largest;
}

nlohmann::json summary_of(const std::string& run) {
  return nlohmann::json::parse(testing::read_text(run + "/summary.json"));
}

TEST(Accumulation, SixteenTimesTwoEndsWhereThirtyTwoEndsAloneAndOnTwoRanks) {
  testing::TempDir dir;
  // 100 examples: the last step holds 4, in its first micro-batch only.
  const auto yaml = testing::write_tiny_experiment(dir, 100);
  // No dropout (its masks would be drawn per micro-batch), and SGD with
  // momentum: Adam divides by the gradients' running magnitude, which turns
  // rounding noise in gradients that are zero in exact arithmetic into
  // lr-sized steps, whatever the batching.
  const std::vector<std::string> common = {
      yaml, "model.dropout=0", "train.epochs=2", "optimizer.type=sgd", "optimizer.lr=0.1", "optimizer.momentum=0.9"};
  auto run = [&](std::vector<std::string> head, const std::string& batch, const std::string& accumulate,
                 const std::string& name) {
    head.insert(head.end(), common.begin(), common.end());
    const std::vector<std::string> tail = {"train.batch_size=" + batch, "train.accumulate_steps=" + accumulate,
                                           "--run-dir", dir.file(name)};
    head.insert(head.end(), tail.begin(), tail.end());
    const auto result = testing::run_attune(head, "", kEnv);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return dir.file(name);
  };
  const auto whole = run({"train"}, "32", "1", "whole");
  const auto accumulated = run({"train"}, "16", "2", "accumulated");
  const auto ranks = run({"launch", "--nproc", "2", "train"}, "8", "2", "ranks");
  const double alone = largest_difference(whole + "/checkpoints/last.pt", accumulated + "/checkpoints/last.pt");
  const double on_ranks = largest_difference(whole + "/checkpoints/last.pt", ranks + "/checkpoints/last.pt");
  EXPECT_LE(alone, 1e-6);
  EXPECT_LE(on_ranks, 1e-6);
  // The comparison can tell batchings apart: batch 16 without accumulation ends elsewhere.
  const auto sixteen = run({"train"}, "16", "1", "sixteen");
  const double apart = largest_difference(whole + "/checkpoints/last.pt", sixteen + "/checkpoints/last.pt");
  EXPECT_GT(apart, 1e-3);
  std::cout << "largest differences to batch 32: 16 x 2 " << alone << ", 8 x 2 x 2 ranks " << on_ranks << ", 16 x 1 "
            << apart << "\n";
  for (const auto& other : {accumulated, ranks}) {
    const auto a = summary_of(whole), b = summary_of(other);
    EXPECT_EQ(b["steps"], 8) << other;  // 2 epochs x ceil(100 / 32): the scheduler ticked per optimizer step
    EXPECT_EQ(a["steps"], b["steps"]);
    for (const char* key : {"lr", "train_loss", "val_loss", "val_accuracy"}) {
      EXPECT_NEAR(a["final"][key].get<double>(), b["final"][key].get<double>(), 1e-6) << key << " of " << other;
    }
  }
}

TEST(MaxSteps, StopsMidEpochAndTheScheduleEndsThere) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 100);  // 7 steps an epoch of 16
  const auto result = testing::run_attune({"train", yaml, "train.epochs=50", "train.max_steps=10",
                                           "scheduler={type: cosine, warmup_steps: 2}", "--run-dir", dir.file("run")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto summary = summary_of(dir.file("run"));
  EXPECT_EQ(summary["steps"], 10);
  EXPECT_EQ(summary["epochs"], 2);  // the second one stopped after 3 of its 7 steps
  EXPECT_EQ(summary["final"]["step"], 10);
  // The cosine schedule was sized to 10 steps: at the 10th its lr is eta_min (0).
  EXPECT_EQ(summary["final"]["lr"].get<double>(), 0.0);
  const std::string metrics = testing::read_text(dir.file("run/metrics.csv"));
  EXPECT_NE(metrics.find("\n1,7,"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\n2,10,"), std::string::npos) << metrics;
}

}  // namespace accumulation_test
}  // namespace attune
