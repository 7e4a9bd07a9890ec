// `attune schedule` prints what the PyTorch reference says, for cases that
// exercise the command's own parts: run length from the data, several param
// groups, a plateau fed from --metrics, and the --plot picture.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/schedulers/reference_cases.h"
#include "tests/support/test_support.h"

namespace attune {
namespace schedule_command_test {

// An experiment whose training file has steps_per_epoch rows (batch size 1).
std::string write_experiment(const testing::TempDir& dir, const testing::ReferenceCase& c) {
  std::string rows = "sentence\tlabel\n";
  for (int64_t i = 0; i < c.steps_per_epoch; ++i) rows += (i % 2 ? "good\t1\n" : "bad\t0\n");
  testing::write_text(dir.file("train.tsv"), rows);
  const std::string path = dir.file("exp.yaml");
  testing::write_text(path,
                      "data: {type: text_classification, train: train.tsv, valid: train.tsv, tokenizer: {vocab: " +
                          testing::source_dir() +
                          "/data/vocab/bert-base-uncased.txt}}\n"
                          "model: {type: transformer_classifier}\n"
                          "optimizer: " +
                          c.optimizer_yaml +
                          "\n"
                          "scheduler: " +
                          c.scheduler_yaml +
                          "\n"
                          "train: {batch_size: 1, epochs: " +
                          std::to_string(c.epochs) + "}\n");
  return path;
}

void expect_matches_reference(const std::string& name, const std::string& csv, const testing::ReferenceCase& c) {
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);  // header
  int64_t tick = 0;
  for (; std::getline(lines, line); ++tick) {
    std::istringstream cells(line);
    std::string cell;
    std::getline(cells, cell, ',');
    ASSERT_EQ(std::stoll(cell), tick);
    for (size_t g = 0; g < c.lr[tick].size(); ++g) {
      ASSERT_TRUE(std::getline(cells, cell, ','));
      const double want = c.lr[tick][g];
      ASSERT_LE(std::abs(std::stod(cell) - want), 1e-6 * std::abs(want) + 1e-15) << name << " tick " << tick;
    }
  }
  EXPECT_EQ(tick, c.ticks + 1) << name;
}

TEST(ScheduleCommand, PrintsPyTorchsScheduleForWholeRunWithGroups) {
  for (const char* name :
       {"cosine_with_warmup", "one_cycle_adam_groups_own_lr", "sequential_three_unsorted_milestones"}) {
    const auto c = testing::reference_case(name);
    testing::TempDir dir;
    const auto result = testing::run_attune({"schedule", write_experiment(dir, c)});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    if (c.lr[0].size() > 1) EXPECT_EQ(result.out.substr(0, result.out.find('\n')), "tick,lr_default,lr_group1");
    expect_matches_reference(name, result.out, c);
  }
}

TEST(ScheduleCommand, PlateauFollowsMetricsFromAFile) {
  const auto c = testing::reference_case("plateau_two_groups_min_lrs");
  testing::TempDir dir;
  const std::string yaml = write_experiment(dir, c);
  // As a run's metrics.csv: the monitored metric (val_loss here) by column name.
  std::string metrics = "epoch,val_loss\n";
  for (size_t i = 0; i < c.metrics.size(); ++i) metrics += fmt::format("{},{}\n", i + 1, c.metrics[i]);
  testing::write_text(dir.file("metrics.csv"), metrics);
  const auto result = testing::run_attune({"schedule", yaml, "train.early_stopping.metric=val_loss",
                                           "train.early_stopping.mode=min", "--metrics", dir.file("metrics.csv")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  expect_matches_reference(c.name, result.out, c);

  const auto missing = testing::run_attune({"schedule", yaml});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("follows the validation metric: give --metrics FILE"), std::string::npos) << missing.err;
}

TEST(ScheduleCommand, PlotWritesAnSvgOfTheCurve) {
  const auto c = testing::reference_case("warm_restarts_t_mult_2");
  testing::TempDir dir;
  const auto result = testing::run_attune({"schedule", write_experiment(dir, c), "--plot", dir.file("lr.svg")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string svg = testing::read_text(dir.file("lr.svg"));
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  // One polyline per group, each with a point per tick.
  size_t polylines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) {
    ++polylines;
    const size_t begin = svg.find("points=\"", at) + 8, end = svg.find('"', begin);
    const std::string points = svg.substr(begin, end - begin);
    EXPECT_EQ(std::count(points.begin(), points.end(), ','), c.ticks + 1);
  }
  EXPECT_EQ(polylines, 2u);
  EXPECT_NE(svg.find(">group1<"), std::string::npos);  // legend
}

}  // namespace schedule_command_test
}  // namespace attune
