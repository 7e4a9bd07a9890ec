// train.ema. The update, replayed on a seeded sequence of weights, equals the
// formula written independently in Python (tests/python/ema_reference.py);
// in a run, the averaged weights are scored beside the raw ones, best.pt
// holds them when early stopping watches a val_ema_ column, and a resumed run
// ends on the uninterrupted run's figures (the average is in last.pt).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "core/io/tensor_json.h"
#include "core/train/checkpoint.h"
#include "core/train/trainer.h"
#include "core/train/weight_ema.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace weight_ema_test {

TEST(WeightEma, UpdatesEqualTheFormulaWrittenInPython) {
  torch::manual_seed(20261202);
  for (const bool warmup : {true, false}) {
    auto weights = torch::randn({3, 4});
    WeightEma ema({weights}, 0.95, warmup);
    nlohmann::json steps = nlohmann::json::array();
    steps.push_back(tensor_to_json(weights));
    std::vector<double> decays;
    for (int step = 0; step < 40; ++step) {
      weights.add_(torch::randn({3, 4}) * 0.1);  // an optimizer step
      decays.push_back(ema.next_decay());
      ema.update();
      steps.push_back(tensor_to_json(weights));
    }
    testing::TempDir dir;
    testing::write_text(dir.file("steps.json"),
                        nlohmann::json{{"decay", 0.95}, {"warmup", warmup}, {"weights", steps}}.dump());
    const auto python = testing::run_shell(testing::python() + " " + testing::source_dir() +
                                           "/tests/python/ema_reference.py " + dir.file("steps.json"));
    ASSERT_EQ(python.exit_code, 0) << python.text;
    const auto reference = nlohmann::json::parse(python.text);
    const auto expected_decays = reference.at("decays").get<std::vector<double>>();
    ASSERT_EQ(expected_decays.size(), decays.size());
    for (size_t i = 0; i < decays.size(); ++i) EXPECT_NEAR(decays[i], expected_decays[i], 1e-15) << i;
    const auto average = ema.average()[0].to(torch::kDouble).reshape({-1});
    const auto flat = torch::tensor(reference.at("flat").get<std::vector<double>>(), torch::kDouble);
    EXPECT_LE((average - flat).abs().max().item<double>(), 1e-6) << (warmup ? "warmup" : "no warmup");
  }
}

TEST(WeightEma, ARunScoresTheAverageKeepsItAsBestAndResumesIt) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const std::vector<std::string> common = {"train.ema={decay: 0.9}", "train.early_stopping.metric=val_ema_loss",
                                           "optimizer.lr=0.02"};
  auto train = [&](std::vector<std::string> args) {
    args.insert(args.end(), common.begin(), common.end());
    const auto result = testing::run_attune(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
  };
  const std::string run = dir.file("run");
  train({"train", yaml, "train.epochs=4", "--run-dir", run});
  ASSERT_NE(testing::read_text(run + "/metrics.csv").find("val_ema_loss,val_ema_accuracy"), std::string::npos);
  const auto summary = nlohmann::json::parse(testing::read_text(run + "/summary.json"));
  const auto& best = summary["best"];
  ASSERT_TRUE(best.contains("val_ema_accuracy")) << best.dump();
  EXPECT_NE(best["val_ema_loss"].get<double>(), best["val_loss"].get<double>());  // two sets of weights
  // best.pt holds the average: evaluated afresh, its val_loss is the row's val_ema_loss.
  const auto eval = testing::run_attune({"eval", run});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const auto evaluated = nlohmann::json::parse(eval.out);
  EXPECT_NEAR(evaluated["val_loss"].get<double>(), best["val_ema_loss"].get<double>(), 1e-6);
  EXPECT_NEAR(evaluated["val_accuracy"].get<double>(), best["val_ema_accuracy"].get<double>(), 1e-12);

  // Stopped after epoch 2 and resumed: metrics.csv (val_ema_* included) equals the uninterrupted run's,
  // both in this process (a process of its own may take other BLAS threads: other roundings).
  const std::string whole = dir.file("whole"), halted = dir.file("halted");
  std::vector<std::string> overrides = common;
  overrides.push_back("train.epochs=4");
  {
    Experiment experiment = build_experiment(load_experiment(yaml, overrides));
    Trainer(experiment, RunDirectory(whole)).fit(false);
  }
  {
    Experiment experiment = build_experiment(load_experiment(yaml, overrides));
    Trainer trainer(experiment, RunDirectory(halted));
    trainer.stop_after_epoch(2);
    trainer.fit(false);
  }
  BuildOptions options;
  options.label_names = {"0", "1"};
  Experiment resumed = build_experiment(load_experiment(halted + "/config.yaml"), options);
  Trainer(resumed, RunDirectory(halted)).fit(/*resume=*/true);
  EXPECT_EQ(testing::read_text(whole + "/metrics.csv"), testing::read_text(halted + "/metrics.csv"));
}

}  // namespace weight_ema_test
}  // namespace attune
