#include <gtest/gtest.h>

#include "core/train/checkpoint.h"
#include "core/train/trainer.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace trainer_test {

using testing::TempDir;

nlohmann::json train(const std::string& yaml, const std::string& run_dir,
                     const std::vector<std::string>& overrides = {}) {
  Experiment experiment = build_experiment(load_experiment(yaml, overrides));
  Trainer trainer(experiment, RunDirectory(run_dir));
  return trainer.fit(/*resume=*/false).to_json();
}

TEST(Trainer, OverfitsATinyBatch) {
  TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 16);
  // One batch of 16 sentences, no dropout: the model must learn it by heart.
  const auto summary = train(yaml, dir.file("run"),
                             {"train.epochs=60", "model.dropout=0.0", "scheduler.warmup_steps=0", "optimizer.lr=0.01",
                              "data.valid=" + dir.file("train.tsv")});
  EXPECT_LT(summary["final"]["train_loss"].get<double>(), 0.05) << summary.dump();
  EXPECT_DOUBLE_EQ(summary["final"]["val_accuracy"].get<double>(), 1.0) << summary.dump();
}

TEST(Trainer, WritesTheRunDirectory) {
  TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir);
  const auto summary = train(yaml, dir.file("run"));
  for (const char* name : {"config.yaml", "labels.json", "init_report.csv", "metrics.csv", "summary.json",
                           "checkpoints/last.pt", "checkpoints/best.pt"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.file("run/") + name)) << name;
  }
  const std::string metrics = testing::read_text(dir.file("run/metrics.csv"));
  EXPECT_EQ(metrics.substr(0, metrics.find('\n')), "epoch,step,lr,train_loss,val_loss,val_accuracy");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 4);  // header + 3 epochs
  EXPECT_EQ(summary["epochs"], 3);
  EXPECT_EQ(summary["steps"], 12);  // 64 examples / 16 per batch x 3 epochs
  EXPECT_EQ(testing::read_text(dir.file("run/labels.json")), "[\n  \"0\",\n  \"1\"\n]\n");
  // The saved config loads again as it is (as --resume and eval load it).
  EXPECT_NO_THROW(load_experiment(dir.file("run/config.yaml")));
}

TEST(Trainer, SameSeedGivesIdenticalMetrics) {
  TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir);
  train(yaml, dir.file("a"));
  train(yaml, dir.file("b"));
  EXPECT_EQ(testing::read_text(dir.file("a/metrics.csv")), testing::read_text(dir.file("b/metrics.csv")));
  train(yaml, dir.file("c"), {"seed=4"});
  EXPECT_NE(testing::read_text(dir.file("a/metrics.csv")), testing::read_text(dir.file("c/metrics.csv")));
}

TEST(Trainer, ResumedRunEqualsUninterruptedRun) {
  TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64, "");
  train(yaml, dir.file("whole"), {"train.epochs=4"});
  for (int stop_after : {1, 2, 3}) {
    const std::string run = dir.file("part" + std::to_string(stop_after));
    {
      Experiment experiment = build_experiment(load_experiment(yaml, {"train.epochs=4"}));
      Trainer trainer(experiment, RunDirectory(run));
      trainer.stop_after_epoch(stop_after);
      trainer.fit(false);
    }
    // A fresh process would do exactly this: rebuild from the run's own files.
    BuildOptions options;
    options.label_names = {"0", "1"};
    Experiment resumed = build_experiment(load_experiment(run + "/config.yaml"), options);
    Trainer trainer(resumed, RunDirectory(run));
    trainer.fit(/*resume=*/true);
    EXPECT_EQ(testing::read_text(dir.file("whole/metrics.csv")), testing::read_text(run + "/metrics.csv"))
        << "stopped after epoch " << stop_after;
    // And the weights are the same to the bit.
    Experiment a = build_experiment(load_experiment(yaml));
    Experiment b = build_experiment(load_experiment(yaml));
    load_checkpoint(dir.file("whole/checkpoints/last.pt"), *a.model, nullptr, false);
    load_checkpoint(run + "/checkpoints/last.pt", *b.model, nullptr, false);
    const auto pa = a.model->named_parameters(), pb = b.model->named_parameters();
    for (const auto& item : pa) EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
  }
}

TEST(Trainer, EarlyStoppingStopsAfterPatience) {
  TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir);
  // A zero learning rate never improves anything.
  const auto summary = train(yaml, dir.file("run"),
                             {"train.epochs=10", "optimizer.lr=1e-12", "train.early_stopping.patience=2",
                              "train.early_stopping.metric=val_loss", "train.early_stopping.mode=min",
                              "train.early_stopping.min_delta=0.001"});
  EXPECT_TRUE(summary["stopped_early"].get<bool>());
  EXPECT_EQ(summary["epochs"], 3);
  EXPECT_EQ(summary["best"]["epoch"], 1);
}

TEST(Trainer, RefusesToOverwriteARun) {
  TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir);
  train(yaml, dir.file("run"), {"train.epochs=1"});
  try {
    train(yaml, dir.file("run"), {"train.epochs=1"});
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("already holds a run; continue it with `attune train --resume"),
              std::string::npos);
  }
}

}  // namespace trainer_test
}  // namespace attune
