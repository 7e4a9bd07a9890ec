// The example metric and loss plugins (examples/plugins), loaded from their
// shared libraries as users load them: `mae` equals scikit-learn's
// mean_absolute_error on a run's predictions and, being minimised, keeps the
// epoch with its lowest value as best; `focal` with gamma 0 trains exactly
// as cross_entropy does (the focal loss reduces to it).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace plugin_kinds_test {

using testing::read_text;
using testing::run_attune;

TEST(PluginKinds, FocalLossWithGammaZeroTrainsAsCrossEntropy) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const std::string plugin = testing::plugin_path("focal_loss");
  const auto listed = run_attune({"list", "losses", "--plugin", plugin});
  EXPECT_NE(listed.out.find("focal"), std::string::npos) << listed.out << listed.err;
  const auto focal =
      run_attune({"train", yaml, "train.loss={type: focal, gamma: 0}", "--plugin", plugin, "--run-dir", dir.file("f")});
  ASSERT_EQ(focal.exit_code, 0) << focal.err;
  const auto plain = run_attune({"train", yaml, "--run-dir", dir.file("c")});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const auto a = nlohmann::json::parse(read_text(dir.file("f/summary.json")));
  const auto b = nlohmann::json::parse(read_text(dir.file("c/summary.json")));
  for (const char* key : {"train_loss", "val_loss", "val_accuracy"}) {
    EXPECT_NEAR(a["final"][key].get<double>(), b["final"][key].get<double>(), 1e-6) << key;
  }
}

TEST(PluginKinds, AMinimisedMetricPluginDrivesBestAndEqualsScikitLearn) {
  testing::TempDir dir;
  std::ifstream train_in(testing::source_dir() + "/data/sst2_positivity/train.tsv");
  std::ifstream valid_in(testing::source_dir() + "/data/sst2_positivity/dev.tsv");
  std::string line, train, valid;
  for (int i = 0; i <= 128 && std::getline(train_in, line); ++i) train += line + "\n";
  for (int i = 0; i <= 40 && std::getline(valid_in, line); ++i) valid += line + "\n";
  testing::write_text(dir.file("train.tsv"), train);
  testing::write_text(dir.file("valid.tsv"), valid);
  testing::write_text(dir.file("exp.yaml"),
                      "plugins: [" + testing::plugin_path("mae_metric") +
                          "]\n"
                          "data: {type: text_regression, train: train.tsv, valid: valid.tsv, label_column: score,\n"
                          "       tokenizer: {type: wordpiece, vocab: " +
                          testing::source_dir() +
                          "/data/vocab/bert-base-uncased.txt}, max_length: 48}\n"
                          "model: {type: transformer_classifier, hidden_dim: 16, num_heads: 2, num_layers: 1, "
                          "ff_dim: 32}\n"
                          "optimizer: {type: adamw, lr: 0.01}\n"
                          "train: {epochs: 4, batch_size: 16, progress: none, loss: mse, metrics: [mae, pearson],\n"
                          "        early_stopping: {metric: val_mae}}\n");
  const auto trained = run_attune({"train", dir.file("exp.yaml"), "--run-dir", dir.file("run")});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  // best.pt is the epoch with the lowest val_mae.
  const auto summary = nlohmann::json::parse(read_text(dir.file("run/summary.json")));
  std::istringstream rows(read_text(dir.file("run/metrics.csv")));
  std::getline(rows, line);
  std::vector<std::string> header;
  std::istringstream cells(line);
  for (std::string cell; std::getline(cells, cell, ',');) header.push_back(cell);
  const size_t column = static_cast<size_t>(std::find(header.begin(), header.end(), "val_mae") - header.begin());
  ASSERT_LT(column, header.size()) << line;
  double lowest = 1e300;
  while (std::getline(rows, line)) {
    std::istringstream values(line);
    std::string cell;
    for (size_t c = 0; c <= column; ++c) std::getline(values, cell, ',');
    lowest = std::min(lowest, std::stod(cell));
  }
  EXPECT_EQ(summary["best"]["val_mae"].get<double>(), lowest);
  // `attune eval` of best.pt gives that value, and so does scikit-learn on its predictions.
  const auto eval = run_attune({"eval", dir.file("run")});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_NEAR(nlohmann::json::parse(eval.out)["val_mae"].get<double>(), lowest, 1e-9);
  ASSERT_EQ(run_attune({"predict", dir.file("run"), "--data", dir.file("valid.tsv"), "--output", dir.file("p.tsv")})
                .exit_code,
            0);
  const auto sklearn =
      testing::run_shell(testing::python() +
                         " -c 'import csv, sys; from sklearn.metrics import mean_absolute_error as mae; "
                         "read = lambda p: [float(r[0]) for r in list(csv.reader(open(p), delimiter=\"\\t\"))[1:]]; "
                         "print(repr(float(mae(read(sys.argv[2]), read(sys.argv[1])))))' " +
                         dir.file("p.tsv") + " " + dir.file("valid.tsv"));
  ASSERT_EQ(sklearn.exit_code, 0) << sklearn.text;
  EXPECT_NEAR(std::stod(sklearn.text), lowest, 1e-6);  // the predictions are written as floats
}

}  // namespace plugin_kinds_test
}  // namespace attune
