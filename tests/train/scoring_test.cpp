// train.metrics and train.loss in a run: each metric is a val_<name> column of
// metrics.csv that early stopping and best.pt follow in the metric's own
// direction, `attune eval` reports the same values, and those values equal
// scikit-learn's and SciPy's on the run's own predictions (`attune predict`).
// A regression (text_regression, mse, Pearson/Spearman) trains the same way.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace scoring_test {

using testing::read_text;
using testing::run_attune;

/// metrics.csv's header.
std::vector<std::string> columns_of(const std::string& path) {
  std::istringstream lines(read_text(path));
  std::string header;
  std::getline(lines, header);
  std::vector<std::string> names;
  std::istringstream cells(header);
  for (std::string cell; std::getline(cells, cell, ',');) names.push_back(cell);
  return names;
}

/// What scikit-learn and SciPy say of `predictions` (attune predict's TSV)
/// against the first column of `labelled` (the validation file).
nlohmann::json python_scores(const std::string& predictions, const std::string& labelled, bool regression) {
  const auto result = testing::run_shell(
      testing::python() +
      " -c '\n"
      "import csv, json, sys, warnings\n"
      "warnings.simplefilter(\"ignore\")\n"
      "from sklearn import metrics\n"
      "from scipy import stats\n"
      "read = lambda p: list(csv.reader(open(p), delimiter=\"\\t\"))[1:]\n"
      "pred = [r[0] for r in read(sys.argv[1])]\n"
      "true = [r[0] for r in read(sys.argv[2])]\n"
      "if sys.argv[3] == \"regression\":\n"
      "  p, t = [float(x) for x in pred], [float(x) for x in true]\n"
      "  out = {\"val_pearson\": stats.pearsonr(p, t)[0], \"val_spearman\": stats.spearmanr(p, t)[0]}\n"
      "else:\n"
      "  out = {\"val_accuracy\": metrics.accuracy_score(true, pred),\n"
      "         \"val_f1\": metrics.f1_score(true, pred, pos_label=\"1\"),\n"
      "         \"val_mcc\": metrics.matthews_corrcoef(true, pred)}\n"
      "print(json.dumps(out))' " +
      predictions + " " + labelled + (regression ? " regression" : " classification"));
  EXPECT_EQ(result.exit_code, 0) << result.text;
  return nlohmann::json::parse(result.text);
}

TEST(Scoring, MetricColumnsFollowTheirDirectionAndEqualScikitLearnOnThePredictions) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 96);
  const std::string run = dir.file("run");
  const auto trained =
      run_attune({"train", yaml, "train.epochs=4", "optimizer.lr=0.01", "train.metrics=[f1, accuracy, mcc]",
                  "train.early_stopping.metric=val_f1", "--run-dir", run});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto columns = columns_of(run + "/metrics.csv");
  for (const char* column : {"train_loss", "val_loss", "val_f1", "val_accuracy", "val_mcc"}) {
    EXPECT_NE(std::find(columns.begin(), columns.end(), column), columns.end()) << column;
  }
  const auto summary = nlohmann::json::parse(read_text(run + "/summary.json"));
  const auto eval = run_attune({"eval", run});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const auto evaluated = nlohmann::json::parse(eval.out);
  // best.pt is the epoch with the highest val_f1, and scores the same afresh.
  EXPECT_NEAR(evaluated["val_f1"].get<double>(), summary["best"]["val_f1"].get<double>(), 1e-12);
  const auto predicted = run_attune({"predict", run, "--data", dir.file("valid.tsv"), "--output", dir.file("p.tsv")});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const auto reference = python_scores(dir.file("p.tsv"), dir.file("valid.tsv"), false);
  for (const char* column : {"val_f1", "val_accuracy", "val_mcc"}) {
    EXPECT_NEAR(evaluated[column].get<double>(), reference[column].get<double>(), 1e-12) << column;
  }
}

TEST(Scoring, MetricKeysNameAColumnOfTheRunAndAMetricOfItsTask) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const auto unknown = run_attune({"check", yaml, "train.early_stopping.metric=val_acuracy"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("train.early_stopping.metric: `val_acuracy` is not a column"), std::string::npos)
      << unknown.err;
  EXPECT_NE(unknown.err.find("did you mean `val_accuracy`"), std::string::npos) << unknown.err;
  // A metric the run does not compute is not a column either, until listed.
  EXPECT_EQ(run_attune({"check", yaml, "search.metric=val_mcc"}).exit_code, 2);
  EXPECT_EQ(run_attune({"check", yaml, "search.metric=val_mcc", "train.metrics=[accuracy, mcc]"}).exit_code, 0);
  const auto regression_metric =
      run_attune({"check", yaml, "train.metrics=[pearson]", "train.early_stopping.metric=val_pearson"});
  EXPECT_EQ(regression_metric.exit_code, 2);
  EXPECT_NE(regression_metric.err.find("`pearson` scores a regression but this data is a classification"),
            std::string::npos)
      << regression_metric.err;
  const auto regression_loss = run_attune({"check", yaml, "train.loss=mse"});
  EXPECT_EQ(regression_loss.exit_code, 2);
  EXPECT_NE(regression_loss.err.find("use cross_entropy"), std::string::npos) << regression_loss.err;
  const auto twice = run_attune({"check", yaml, "train.metrics=[accuracy, {type: f1}, {type: f1, average: macro}]"});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("lists `f1` twice"), std::string::npos) << twice.err;
}

/// A tiny regression: SST-2 positivity scores of the first rows of the shipped data.
std::string write_tiny_regression(const testing::TempDir& dir) {
  std::ifstream train_in(testing::source_dir() + "/data/sst2_positivity/train.tsv");
  std::ifstream valid_in(testing::source_dir() + "/data/sst2_positivity/dev.tsv");
  std::string line, train, valid;
  for (int i = 0; i <= 160 && std::getline(train_in, line); ++i) train += line + "\n";
  for (int i = 0; i <= 48 && std::getline(valid_in, line); ++i) valid += line + "\n";
  testing::write_text(dir.file("train.tsv"), train);
  testing::write_text(dir.file("valid.tsv"), valid);
  const std::string path = dir.file("regression.yaml");
  testing::write_text(path,
                      "seed: 1\n"
                      "data:\n"
                      "  type: text_regression\n"
                      "  train: train.tsv\n"
                      "  valid: valid.tsv\n"
                      "  label_column: score\n"
                      "  tokenizer: {type: wordpiece, vocab: " +
                          testing::source_dir() +
                          "/data/vocab/bert-base-uncased.txt}\n"
                          "  max_length: 48\n"
                          "model: {type: transformer_classifier, hidden_dim: 16, num_heads: 2, num_layers: 1, "
                          "ff_dim: 32}\n"
                          "optimizer: {type: adamw, lr: 0.003}\n"
                          "train: {epochs: 3, batch_size: 16, progress: none, loss: mse, metrics: [pearson, "
                          "spearman], early_stopping: {metric: val_pearson}}\n");
  return path;
}

TEST(Scoring, ARegressionTrainsOnMseAndScoresAsScipy) {
  testing::TempDir dir;
  const auto yaml = write_tiny_regression(dir);
  const std::string run = dir.file("run");
  const auto trained = run_attune({"train", yaml, "--run-dir", run});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto columns = columns_of(run + "/metrics.csv");
  for (const char* column : {"val_loss", "val_pearson", "val_spearman"}) {
    EXPECT_NE(std::find(columns.begin(), columns.end(), column), columns.end()) << column;
  }
  const auto eval = run_attune({"eval", run});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  const auto evaluated = nlohmann::json::parse(eval.out);
  const auto predicted = run_attune({"predict", run, "--data", dir.file("valid.tsv"), "--output", dir.file("p.tsv")});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  EXPECT_EQ(read_text(dir.file("p.tsv")).substr(0, 11), "prediction\n");  // one column: the value
  const auto reference = python_scores(dir.file("p.tsv"), dir.file("valid.tsv"), true);
  // The predictions are written at float precision (shortest round trip).
  for (const char* column : {"val_pearson", "val_spearman"}) {
    EXPECT_NEAR(evaluated[column].get<double>(), reference[column].get<double>(), 1e-6) << column;
  }
  // The mean squared error of those predictions is val_loss.
  std::istringstream p(read_text(dir.file("p.tsv"))), v(read_text(dir.file("valid.tsv")));
  std::string a, b;
  std::getline(p, a);
  std::getline(v, b);
  double squared = 0;
  int n = 0;
  while (std::getline(p, a) && std::getline(v, b)) {
    const double d = std::stod(a) - std::stod(b.substr(0, b.find('\t')));
    squared += d * d;
    ++n;
  }
  EXPECT_NEAR(evaluated["val_loss"].get<double>(), squared / n, 1e-6);
  const auto bad = run_attune({"check", yaml, "train.loss=cross_entropy"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("use mse or huber"), std::string::npos) << bad.err;
}

}  // namespace scoring_test
}  // namespace attune
