// `attune predict` as a user runs it: on a trained run's files, on stdin in a
// pipe, on exports; its labels against `attune eval`'s accuracy.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/trained_runs.h"

namespace attune {
namespace predict_command_test {

using testing::run_attune;
using testing::TinyModel;

std::vector<std::vector<std::string>> rows_of(const std::string& text, char separator = '\t') {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, separator);) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

// The label column of a TSV file with a header, in row order.
std::vector<std::string> labels_in(const std::string& path) {
  const auto rows = rows_of(testing::read_text(path));
  size_t column = 0;
  while (rows[0][column] != "label") ++column;
  std::vector<std::string> labels;
  for (size_t r = 1; r < rows.size(); ++r) labels.push_back(rows[r][column]);
  return labels;
}

// Same rows, labels exactly and probabilities to float precision: a batch of
// one and a batch of two take different BLAS paths, which may differ in the
// last bit of a float.
void expect_same_predictions(const std::vector<std::vector<std::string>>& expected,
                             const std::vector<std::vector<std::string>>& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t r = 0; r < expected.size(); ++r) {
    ASSERT_EQ(expected[r].size(), actual[r].size()) << "row " << r;
    for (size_t c = 0; c < expected[r].size(); ++c) {
      if (r == 0 || c == 0) {
        EXPECT_EQ(expected[r][c], actual[r][c]) << "row " << r << ", column " << c;
      } else {
        EXPECT_NEAR(std::stod(expected[r][c]), std::stod(actual[r][c]), 1e-6) << "row " << r << ", column " << c;
      }
    }
  }
}

void expect_bad_input(const testing::CommandResult& result, const std::string& expected) {
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("terminate called"), std::string::npos) << result.err;
}

TEST(Predict, AccuracyFromItsOutputEqualsEval) {
  const std::string run = testing::tiny_run(TinyModel::transformer);
  const std::string valid = std::filesystem::path(run).parent_path() / "valid.tsv";
  const auto predicted = run_attune({"predict", run, "--data", valid});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const auto rows = rows_of(predicted.out);
  const auto labels = labels_in(valid);
  ASSERT_EQ(rows.size(), labels.size() + 1);
  const auto names = nlohmann::json::parse(testing::read_text(run + "/labels.json")).get<std::vector<std::string>>();
  std::vector<std::string> header = {"prediction"};
  header.insert(header.end(), names.begin(), names.end());
  EXPECT_EQ(rows[0], header);
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& row = rows[i + 1];
    ASSERT_EQ(row.size(), names.size() + 1);
    correct += row[0] == labels[i];
    double sum = 0, best = -1;
    std::string most_probable;
    for (size_t c = 0; c < names.size(); ++c) {
      const double p = std::stod(row[c + 1]);
      sum += p;
      if (p > best) best = p, most_probable = names[c];
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
    EXPECT_EQ(most_probable, row[0]);
  }
  const auto evaluated = run_attune({"eval", run, "--data", valid});
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  const double eval_accuracy = nlohmann::json::parse(evaluated.out)["val_accuracy"].get<double>();
  EXPECT_EQ(static_cast<double>(correct) / static_cast<double>(labels.size()), eval_accuracy);
  // The validation split of the run is the same file: eval without --data agrees too.
  const auto on_split = run_attune({"eval", run});
  ASSERT_EQ(on_split.exit_code, 0) << on_split.err;
  EXPECT_EQ(nlohmann::json::parse(on_split.out)["val_accuracy"].get<double>(), eval_accuracy);
}

TEST(Predict, FormatsCarryTheSamePredictions) {
  const std::string run = testing::tiny_run(TinyModel::transformer);
  testing::TempDir dir;
  const std::string valid = std::filesystem::path(run).parent_path() / "valid.tsv";
  const auto tsv = run_attune({"predict", run, "--data", valid, "--output", dir.file("p.tsv")});
  const auto csv = run_attune({"predict", run, "--data", valid, "--output", dir.file("p.csv")});
  const auto jsonl = run_attune({"predict", run, "--data", valid, "--format", "jsonl"});
  ASSERT_EQ(tsv.exit_code, 0) << tsv.err;
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  const auto tsv_rows = rows_of(testing::read_text(dir.file("p.tsv")));
  const auto csv_rows = rows_of(testing::read_text(dir.file("p.csv")), ',');
  EXPECT_EQ(tsv_rows, csv_rows);
  std::istringstream lines(jsonl.out);
  size_t i = 1;
  for (std::string line; std::getline(lines, line); ++i) {
    const auto row = nlohmann::json::parse(line);
    ASSERT_LT(i, tsv_rows.size());
    EXPECT_EQ(row["prediction"].get<std::string>(), tsv_rows[i][0]);
  }
  EXPECT_EQ(i, tsv_rows.size());
}

TEST(Predict, StdinIsAnsweredLineByLineInAPipe) {
  const std::string run = testing::tiny_run(TinyModel::transformer);
  testing::TempDir dir;
  // The second line is written only once the first one's answer has come
  // back: a predict that waited for the end of its input would never answer.
  const std::string in = dir.file("in"), out = dir.file("out");
  const std::string script = "mkfifo " + in + "; : > " + out + "; (" + testing::attune_binary() + " predict " + run +
                             " --data - < " + in + " > " + out + " 2> " + dir.file("err") + ") & pid=$!; exec 3> " +
                             in + "; echo 'a gripping, funny film' >&3; for i in $(seq 600); do [ \"$(wc -l < " + out +
                             ")\" -ge 2 ] && break; sleep 0.1; done; echo \"rows before the second line: $(wc -l < " +
                             out + ")\"; echo 'dull and lifeless' >&3; exec 3>&-; wait $pid; echo \"exit $?\"";
  const auto result = testing::run_shell(script);
  EXPECT_NE(result.text.find("rows before the second line: 2"), std::string::npos) << result.text;
  EXPECT_NE(result.text.find("exit 0"), std::string::npos) << result.text << testing::read_text(dir.file("err"));
  const auto rows = rows_of(testing::read_text(dir.file("out")));
  EXPECT_EQ(rows.size(), 3u);
  // The same texts from a file give the same rows.
  testing::write_text(dir.file("texts.tsv"), "sentence\na gripping, funny film\ndull and lifeless\n");
  const auto from_file = run_attune({"predict", run, "--data", dir.file("texts.tsv")});
  expect_same_predictions(rows_of(from_file.out), rows);
}

TEST(Predict, LongInputsAreTruncatedAndCounted) {
  const std::string run = testing::tiny_run(TinyModel::transformer);
  testing::TempDir dir;
  std::string long_text;
  for (int i = 0; i < 80; ++i) long_text += "word ";
  testing::write_text(dir.file("long.tsv"), "sentence\n" + long_text + "\nshort\n");
  const auto result = run_attune({"predict", run, "--data", dir.file("long.tsv")});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("1 of 2 inputs were longer than max_length 48 and were truncated"), std::string::npos)
      << result.err;
}

TEST(Predict, BadInputsExitTwoNamingTheLine) {
  const std::string run = testing::tiny_run(TinyModel::transformer);
  testing::TempDir dir;
  const auto empty_line = testing::run_shell("printf 'good\\n\\nbad\\n' | " + testing::attune_binary() + " predict " +
                                             run + " --data - 2>&1 >/dev/null; echo \"exit $?\"");
  EXPECT_NE(empty_line.text.find("stdin:2: empty line: there is no text to label"), std::string::npos)
      << empty_line.text;
  EXPECT_NE(empty_line.text.find("exit 2"), std::string::npos) << empty_line.text;

  testing::write_text(dir.file("no_column.tsv"), "text\tlabel\na film\t1\n");
  expect_bad_input(run_attune({"predict", run, "--data", dir.file("no_column.tsv")}), "sentence");

  testing::write_text(dir.file("empty_cell.tsv"), "sentence\tlabel\na film\t1\n\t0\n");
  expect_bad_input(run_attune({"predict", run, "--data", dir.file("empty_cell.tsv")}),
                   dir.file("empty_cell.tsv") + ":3: column `sentence` is empty");

  testing::write_text(dir.file("ragged.tsv"), "sentence\tlabel\na film\t1\textra\n");
  expect_bad_input(run_attune({"predict", run, "--data", dir.file("ragged.tsv")}), dir.file("ragged.tsv") + ":2");

  expect_bad_input(run_attune({"predict", run, "--data", dir.file("ragged.tsv"), "--checkpoint", "bset"}),
                   "--checkpoint `bset`: expected `best`, `last` or a checkpoint file (did you mean `best`?)");
  expect_bad_input(run_attune({"predict", dir.path(), "--data", "-"}), "not a run or an export folder");
}

TEST(Predict, ImageRunsTakeRowsWithOrWithoutTheLabel) {
  const std::string run = testing::tiny_run(TinyModel::vit);
  testing::TempDir dir;
  // Ten digits rows, then the same pixels without their label column (the last).
  const auto head = testing::run_shell("zcat " + testing::source_dir() + "/data/digits/digits.csv.gz | head -10");
  ASSERT_EQ(head.exit_code, 0);
  testing::write_text(dir.file("labelled.csv"), head.text);
  std::string unlabelled;
  std::istringstream lines(head.text);
  for (std::string line; std::getline(lines, line);) unlabelled += line.substr(0, line.rfind(',')) + "\n";
  testing::write_text(dir.file("pixels.csv"), unlabelled);
  const auto with_label = run_attune({"predict", run, "--data", dir.file("labelled.csv")});
  const auto without = run_attune({"predict", run, "--data", dir.file("pixels.csv")});
  ASSERT_EQ(with_label.exit_code, 0) << with_label.err;
  EXPECT_EQ(rows_of(with_label.out).size(), 11u);
  EXPECT_EQ(with_label.out, without.out);
  expect_bad_input(run_attune({"predict", run, "--data", "-"}), "is for text runs");
}

}  // namespace predict_command_test
}  // namespace attune
