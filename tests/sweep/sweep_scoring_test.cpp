// How a sweep scores a fold, ranks trials and refits, checked against each
// fold's own metrics.csv: a fold scores the best value of `search.metric`
// over its evaluations in the search's direction (not the value at the
// early-stopping metric's best epoch), the direction follows the metric, and
// the refit stops at the median of the folds' best epochs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "tests/sweep/sweep_support.h"

namespace attune {
namespace sweep_scoring_test {

using testing::read_csv;
using testing::sweep_experiment;
const std::vector<std::string>& kEnv = testing::kSweepEnv;

/// The lowest val_loss in a run's metrics.csv and the first epoch with it,
/// as cells (the sweep must report these exact numbers).
std::pair<std::string, std::string> lowest_val_loss(const std::string& metrics_csv) {
  const auto rows = read_csv(metrics_csv);
  EXPECT_FALSE(rows.empty()) << metrics_csv;
  size_t best = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    if (std::stod(rows[i].at("val_loss")) < std::stod(rows[best].at("val_loss"))) best = i;
  }
  return {rows[best].at("val_loss"), rows[best].at("epoch")};
}

TEST(SweepScoring, AContradictingModeIsAConfigErrorSayingWhatItWouldDo) {
  testing::TempDir dir;
  const auto yaml = sweep_experiment(dir);
  for (const std::string command : {"check", "sweep"}) {
    std::vector<std::string> args = {command, yaml, "search.metric=val_loss", "search.mode=max"};
    if (command == "sweep") args.insert(args.end(), {"--sweep-dir", dir.file("sweep")});
    const auto loss = testing::run_attune(args, "", kEnv);
    EXPECT_EQ(loss.exit_code, 2) << command << "\n" << loss.err;
    EXPECT_NE(loss.err.find("search.mode"), std::string::npos) << loss.err;
    EXPECT_NE(loss.err.find("`max` contradicts val_loss, which is minimised: it would rank the trial with the "
                            "highest val_loss first"),
              std::string::npos)
        << loss.err;
  }
  const auto accuracy = testing::run_attune({"check", yaml, "search.mode=min"}, "", kEnv);
  EXPECT_EQ(accuracy.exit_code, 2);
  EXPECT_NE(accuracy.err.find("`min` contradicts val_accuracy, which is maximised: it would rank the trial with the "
                              "lowest val_accuracy first"),
            std::string::npos)
      << accuracy.err;
  // The metric's choices are the metrics every evaluation records.
  const auto unknown = testing::run_attune({"check", yaml, "search.metric=val_f1"}, "", kEnv);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("val_accuracy"), std::string::npos) << unknown.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("sweep/trials")));
  // Agreeing with the metric, or `auto`, passes.
  EXPECT_EQ(testing::run_attune({"check", yaml, "search.metric=val_loss", "search.mode=min"}, "", kEnv).exit_code, 0);
  EXPECT_EQ(testing::run_attune({"check", yaml, "search.metric=val_loss", "search.mode=auto"}, "", kEnv).exit_code, 0);
}

TEST(SweepScoring, FoldsScoreTheSearchMetricsBestEpochAndTheRefitStopsAtTheirMedian) {
  testing::TempDir dir;
  const auto yaml = sweep_experiment(dir, "{type: none}", "{optimizer.lr: [0.001, 0.01]}");
  // Early stopping (and best.pt) follow val_accuracy, with a patience that
  // may end a fold early; the search ranks by val_loss with no mode, so
  // lowest first.
  const std::vector<std::string> args = {"sweep",
                                         yaml,
                                         "train.epochs=6",
                                         "train.early_stopping.metric=val_accuracy",
                                         "train.early_stopping.patience=2",
                                         "search.cv_folds=3",
                                         "search.metric=val_loss",
                                         "search.refit=true",
                                         "--sweep-dir",
                                         dir.file("sweep")};
  const auto result = testing::run_attune(args, "", kEnv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto rows = read_csv(dir.file("sweep/results.csv"));
  ASSERT_EQ(rows.size(), 2u);
  std::map<std::string, std::vector<int64_t>> best_epochs;  // by trial
  for (const auto& row : rows) {
    const std::string trial = row.at("trial");
    double sum = 0;
    for (int fold = 0; fold < 3; ++fold) {
      const auto [value, epoch] = lowest_val_loss(
          dir.file(fmt::format("sweep/trials/trial_{:04}/fold_{}/metrics.csv", std::stoi(trial), fold)));
      EXPECT_EQ(std::stod(row.at(fmt::format("split{}_test_score", fold))), std::stod(value))
          << "trial " << trial << " fold " << fold;
      EXPECT_EQ(row.at(fmt::format("split{}_best_epoch", fold)), epoch) << "trial " << trial << " fold " << fold;
      best_epochs[trial].push_back(std::stoll(epoch));
      sum += std::stod(value);
    }
    EXPECT_NEAR(std::stod(row.at("mean_test_score")), sum / 3, 1e-12);
    auto epochs = best_epochs[trial];
    std::sort(epochs.begin(), epochs.end());
    EXPECT_EQ(row.at("refit_epochs"), std::to_string(epochs[1])) << "trial " << trial;  // the median of three
  }
  // Lowest loss first.
  const auto& best =
      std::stod(rows[0].at("mean_test_score")) < std::stod(rows[1].at("mean_test_score")) ? rows[0] : rows[1];
  const auto& other = &best == &rows[0] ? rows[1] : rows[0];
  EXPECT_EQ(best.at("rank_test_score"), "1");
  EXPECT_EQ(other.at("rank_test_score"), "2");

  // The refit: the best trial's config on the whole training split, its
  // schedule sized by the trial's own 6 epochs, stopped at the median epoch
  // with early stopping off; the score printed is its last epoch's.
  const std::string median = best.at("refit_epochs");
  const auto refit_rows = read_csv(dir.file("sweep/refit/metrics.csv"));
  ASSERT_EQ(std::to_string(refit_rows.size()), median);
  const std::string config = testing::read_text(dir.file("sweep/refit/config.yaml"));
  EXPECT_NE(config.find("patience: 0"), std::string::npos) << config;
  EXPECT_NE(config.find("epochs: 6"), std::string::npos) << config;
  EXPECT_NE(result.out.find(fmt::format("refit of trial {} on the whole training split, stopped after epoch {} (the "
                                        "median of its folds' best epochs ",
                                        best.at("trial"), median)),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find(fmt::format("val_loss {:.4f} on the valid split at that epoch, which nothing was tuned on",
                                        std::stod(refit_rows.back().at("val_loss")))),
            std::string::npos)
      << result.out;
  EXPECT_NE(testing::read_text(dir.file("sweep/best.yaml")).find(fmt::format("best at epoch {} ", median)),
            std::string::npos);

  // Run again: nothing is trained again, the refit included.
  const auto written = std::filesystem::last_write_time(dir.file("sweep/refit/metrics.csv"));
  const auto again = testing::run_attune(args, "", kEnv);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(std::filesystem::last_write_time(dir.file("sweep/refit/metrics.csv")), written);
  EXPECT_EQ(read_csv(dir.file("sweep/refit/metrics.csv")).size(), refit_rows.size());
}

TEST(SweepScoring, WithoutCrossValidationTheRefitIsTheBestTrialAtItsBestEpoch) {
  testing::TempDir dir;
  const auto yaml = sweep_experiment(dir, "{type: none}", "{optimizer.lr: [0.001, 0.01]}");
  const auto result =
      testing::run_attune({"sweep", yaml, "train.epochs=5", "search.cv_folds=0", "search.metric=val_loss",
                           "search.refit=true", "--sweep-dir", dir.file("sweep")},
                          "", kEnv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto rows = read_csv(dir.file("sweep/results.csv"));
  ASSERT_EQ(rows.size(), 2u);
  const auto& best = rows[0].at("rank_test_score") == "1" ? rows[0] : rows[1];
  const std::string trial_metrics =
      dir.file(fmt::format("sweep/trials/trial_{:04}/fold_0/metrics.csv", std::stoi(best.at("trial"))));
  const auto [value, epoch] = lowest_val_loss(trial_metrics);
  EXPECT_EQ(best.at("split0_best_epoch"), epoch);
  EXPECT_EQ(best.at("refit_epochs"), epoch);
  // Trained on the same split from the same seed, the refit retraces the
  // best trial and stops at its best epoch: the same validation loss, the
  // one the trials were ranked by, and it says so.
  const auto refit_rows = read_csv(dir.file("sweep/refit/metrics.csv"));
  ASSERT_EQ(std::to_string(refit_rows.size()), epoch);
  EXPECT_EQ(refit_rows.back().at("val_loss"), value);
  EXPECT_NE(result.out.find("the split the trials were ranked on (cv_folds 0), so no held-out estimate"),
            std::string::npos)
      << result.out;
}

}  // namespace sweep_scoring_test
}  // namespace attune
