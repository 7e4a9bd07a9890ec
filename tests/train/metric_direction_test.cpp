// Whatever ranks a metric takes its direction from the metric: best.pt is the
// checkpoint with the lowest val_loss when val_loss is watched, and
// reduce_on_plateau fed val_accuracy cuts the lr as PyTorch's
// ReduceLROnPlateau(mode="max") does (the reference: Python's PyTorch replaying
// the run's own metrics). A mode that contradicts its metric is refused.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace metric_direction_test {

using testing::read_text;
using testing::run_attune;

/// metrics.csv as columns by name.
std::map<std::string, std::vector<double>> read_metrics(const std::string& path) {
  std::istringstream lines(read_text(path));
  std::string line;
  std::getline(lines, line);
  std::vector<std::string> names;
  std::istringstream header(line);
  for (std::string cell; std::getline(header, cell, ',');) names.push_back(cell);
  std::map<std::string, std::vector<double>> columns;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    size_t c = 0;
    for (std::string cell; std::getline(cells, cell, ','); ++c) columns[names.at(c)].push_back(std::stod(cell));
  }
  return columns;
}

TEST(MetricDirection, WatchingValLossKeepsTheCheckpointWithTheLowestValLoss) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const std::string run = dir.file("run");
  const auto trained = run_attune(
      {"train", yaml, "train.epochs=4", "optimizer.lr=0.01", "train.early_stopping.metric=val_loss", "--run-dir", run});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto metrics = read_metrics(run + "/metrics.csv");
  const auto& losses = metrics.at("val_loss");
  ASSERT_EQ(losses.size(), 4u);
  const auto lowest = std::min_element(losses.begin(), losses.end());
  ASSERT_NE(*std::max_element(losses.begin(), losses.end()), *lowest) << "the run should move its val_loss";
  const auto summary = nlohmann::json::parse(read_text(run + "/summary.json"));
  EXPECT_EQ(summary["best"]["epoch"].get<int64_t>(), 1 + (lowest - losses.begin()));
  // best.pt itself, evaluated afresh, has that loss.
  const auto eval = run_attune({"eval", run});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_NEAR(nlohmann::json::parse(eval.out)["val_loss"].get<double>(), *lowest, 1e-6);
}

TEST(MetricDirection, AModeThatContradictsItsMetricIsRefused) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const auto stopping =
      run_attune({"check", yaml, "train.early_stopping.metric=val_loss", "train.early_stopping.mode=max"});
  EXPECT_EQ(stopping.exit_code, 2);
  EXPECT_NE(stopping.err.find("train.early_stopping.mode"), std::string::npos) << stopping.err;
  EXPECT_NE(stopping.err.find("keep the checkpoint with the highest val_loss as best.pt"), std::string::npos)
      << stopping.err;
  // Agreeing explicitly is fine.
  EXPECT_EQ(
      run_attune({"check", yaml, "train.early_stopping.metric=val_loss", "train.early_stopping.mode=min"}).exit_code,
      0);
  const auto plateau =
      run_attune({"train", yaml, "scheduler={type: reduce_on_plateau, mode: min}", "--run-dir", dir.file("p")});
  EXPECT_EQ(plateau.exit_code, 2);
  EXPECT_NE(plateau.err.find("cut the lr while val_accuracy improves"), std::string::npos) << plateau.err;
}

/// The lr PyTorch's ReduceLROnPlateau (mode as given; `warmup` steps of
/// LinearLR from `start` first, evaluations during it not fed) sets in each
/// epoch of a run with `steps` optimizer steps an epoch, fed `metric` of
/// metrics.csv.
std::vector<double> pytorch_plateau_lrs(const testing::TempDir& dir, const std::string& metrics_csv, double lr,
                                        const std::string& mode, const std::string& metric, int steps, int warmup,
                                        double start) {
  testing::write_text(dir.file("plateau.py"), R"(import csv, sys, warnings
import torch
warnings.filterwarnings("ignore")  # stepping LinearLR without optimizer steps is the point here
path, lr, mode, metric, steps, warmup, start = sys.argv[1:]
lr, steps, warmup, start = float(lr), int(steps), int(warmup), float(start)
opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=start, end_factor=1.0, total_iters=warmup) if warmup else None
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode=mode, factor=0.5, patience=0)
done = 0
for row in csv.DictReader(open(path)):
    for _ in range(steps):
        if done < warmup:
            warm.step()
            done += 1
    print(repr(opt.param_groups[0]["lr"]))
    if done >= warmup:
        plateau.step(float(row[metric]))
)");
  const std::string command = fmt::format("{} {} {} {} {} {} {} {} {} > {}", testing::python(), dir.file("plateau.py"),
                                          metrics_csv, lr, mode, metric, steps, warmup, start, dir.file("lrs.txt"));
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::istringstream lines(read_text(dir.file("lrs.txt")));
  std::vector<double> lrs;
  for (std::string line; std::getline(lines, line);) lrs.push_back(std::stod(line));
  return lrs;
}

TEST(MetricDirection, ReduceOnPlateauFedAccuracyCutsTheLrAsPyTorchInMaxMode) {
  testing::TempDir dir;
  // 64 examples in batches of 16: four steps an epoch.
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const std::string run = dir.file("run");
  const auto trained = run_attune({"train", yaml, "train.epochs=8", "optimizer.lr=0.01",
                                   "scheduler={type: reduce_on_plateau, factor: 0.5, patience: 0}", "--run-dir", run});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto lrs = read_metrics(run + "/metrics.csv").at("lr");
  const auto want = pytorch_plateau_lrs(dir, run + "/metrics.csv", 0.01, "max", "val_accuracy", 4, 0, 1.0);
  ASSERT_EQ(lrs.size(), want.size());
  for (size_t e = 0; e < lrs.size(); ++e) EXPECT_DOUBLE_EQ(lrs[e], want[e]) << "epoch " << e + 1;
}

TEST(MetricDirection, ReduceOnPlateauWithWarmupTrainsToTheEndAsPyTorch) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  // Six warmup steps: one and a half epochs; the first evaluation is not fed.
  for (const std::string metric : {"val_accuracy", "val_loss"}) {
    const std::string run = dir.file("run_" + metric);
    const auto trained =
        run_attune({"train", yaml, "train.epochs=6", "optimizer.lr=0.01", "train.early_stopping.metric=" + metric,
                    "scheduler={type: reduce_on_plateau, factor: 0.5, patience: 0, warmup_steps: 6, "
                    "warmup_start_factor: 0.1}",
                    "--run-dir", run});
    ASSERT_EQ(trained.exit_code, 0) << trained.err;
    const auto lrs = read_metrics(run + "/metrics.csv").at("lr");
    const auto want =
        pytorch_plateau_lrs(dir, run + "/metrics.csv", 0.01, metric == "val_loss" ? "min" : "max", metric, 4, 6, 0.1);
    ASSERT_EQ(lrs.size(), 6u);
    ASSERT_EQ(want.size(), 6u);
    for (size_t e = 0; e < lrs.size(); ++e) EXPECT_DOUBLE_EQ(lrs[e], want[e]) << metric << " epoch " << e + 1;
  }
}

}  // namespace metric_direction_test
}  // namespace attune
