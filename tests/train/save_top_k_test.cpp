// train.save_top_k, as Lightning's ModelCheckpoint(save_top_k=k): the k
// evaluations best by the watched metric (in its own direction) keep their
// checkpoints, the others' are removed, and a resumed run goes on ranking
// with the list it had.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <sstream>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace save_top_k_test {

namespace fs = std::filesystem;

/// metrics.csv's `column`, by evaluation.
std::vector<double> column_of(const std::string& run, const std::string& column) {
  std::istringstream lines(testing::read_text(run + "/metrics.csv"));
  std::string line;
  std::getline(lines, line);
  std::vector<std::string> names;
  std::istringstream header(line);
  for (std::string cell; std::getline(header, cell, ',');) names.push_back(cell);
  const auto at = static_cast<size_t>(std::find(names.begin(), names.end(), column) - names.begin());
  std::vector<double> values;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::string cell;
    for (size_t c = 0; c <= at; ++c) std::getline(cells, cell, ',');
    values.push_back(std::stod(cell));
  }
  return values;
}

/// The files in checkpoints/top, sorted.
std::vector<std::string> kept_files(const std::string& run) {
  std::vector<std::string> files;
  if (!fs::exists(run + "/checkpoints/top")) return files;
  for (const auto& entry : fs::directory_iterator(run + "/checkpoints/top")) files.push_back(entry.path().filename());
  std::sort(files.begin(), files.end());
  return files;
}

/// The file names of the `k` epochs with the lowest val_loss (earlier first on ties), sorted.
std::vector<std::string> lowest(const std::string& run, size_t k) {
  const auto losses = column_of(run, "val_loss"), steps = column_of(run, "step");
  std::vector<size_t> order(losses.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return losses[a] < losses[b]; });
  std::vector<std::string> files;
  for (size_t i = 0; i < std::min(k, order.size()); ++i) {
    files.push_back("epoch=" + std::to_string(order[i] + 1) + "-step=" + std::to_string(int64_t(steps[order[i]])) +
                    ".pt");
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(SaveTopK, KeepsTheKBestByTheMetricsDirectionAlsoAcrossAResume) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const std::vector<std::string> common = {"optimizer.lr=0.02", "train.early_stopping.metric=val_loss",
                                           "train.save_top_k=2"};
  auto train = [&](std::vector<std::string> args) {
    args.insert(args.end(), common.begin(), common.end());
    const auto result = testing::run_attune(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
  };
  const std::string run = dir.file("run");
  train({"train", yaml, "train.epochs=6", "--run-dir", run});
  const auto losses = column_of(run, "val_loss");
  ASSERT_EQ(losses.size(), 6u);
  ASSERT_GT(std::set<double>(losses.begin(), losses.end()).size(), 2u) << "the run should move its val_loss";
  EXPECT_EQ(kept_files(run), lowest(run, 2));
  const auto summary = nlohmann::json::parse(testing::read_text(run + "/summary.json"));
  ASSERT_EQ(summary["top_checkpoints"].size(), 2u);
  EXPECT_EQ(summary["top_checkpoints"][0]["value"].get<double>(), *std::min_element(losses.begin(), losses.end()));
  // A kept checkpoint evaluates to its row's val_loss.
  const auto eval = testing::run_attune(
      {"eval", run, "--checkpoint", run + "/" + summary["top_checkpoints"][1]["file"].get<std::string>()});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_NEAR(nlohmann::json::parse(eval.out)["val_loss"].get<double>(),
              summary["top_checkpoints"][1]["value"].get<double>(), 1e-6);

  // Stopped after 3 epochs and resumed for 3 more: the list goes on where it was.
  const std::string staged = dir.file("staged");
  train({"train", yaml, "train.epochs=3", "--run-dir", staged});
  testing::set_train_epochs(staged, 6);
  const auto continued = testing::run_attune({"train", "--resume", staged});
  ASSERT_EQ(continued.exit_code, 0) << continued.err;
  EXPECT_EQ(kept_files(staged), lowest(staged, 2));

  // -1 keeps every evaluation.
  const std::string all = dir.file("all");
  const auto every =
      testing::run_attune({"train", yaml, "train.epochs=3", "optimizer.lr=0.02", "train.early_stopping.metric=val_loss",
                           "train.save_top_k=-1", "--run-dir", all});
  ASSERT_EQ(every.exit_code, 0) << every.err;
  EXPECT_EQ(kept_files(all).size(), 3u);
}

}  // namespace save_top_k_test
}  // namespace attune
