// `attune export --to safetensors`: a folder that predict, eval and
// `init: {type: pretrained}` take as they take the run, also moved to
// where the run's training files are not.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/experiment/experiment.h"
#include "core/predict/trained_model.h"
#include "tests/support/trained_runs.h"

namespace attune {
namespace safetensors_export_test {

using testing::run_attune;
using testing::TinyModel;

// The export, copied to another folder with its config's training files
// pointing nowhere: what a colleague on another machine has.
std::string exported_elsewhere(const std::string& run, const testing::TempDir& dir) {
  const auto exported = run_attune({"export", run, "--to", "safetensors", dir.file("made")});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  std::filesystem::copy(dir.file("made"), dir.file("moved"), std::filesystem::copy_options::recursive);
  std::string config = testing::read_text(dir.file("moved/config.yaml"));
  const std::string folder = std::filesystem::path(run).parent_path().string();
  for (size_t at; (at = config.find(folder)) != std::string::npos;) config.replace(at, folder.size(), "/nowhere");
  testing::write_text(dir.file("moved/config.yaml"), config);
  return dir.file("moved");
}

std::string inputs_for(TinyModel kind, const std::string& run, const testing::TempDir& dir) {
  if (kind != TinyModel::vit) return std::filesystem::path(run).parent_path() / "valid.tsv";
  const auto head = testing::run_shell("zcat " + testing::source_dir() + "/data/digits/digits.csv.gz | head -40");
  testing::write_text(dir.file("digits.csv"), head.text);
  return dir.file("digits.csv");
}

void expect_export_predicts_as_the_run(TinyModel kind) {
  const std::string run = testing::tiny_run(kind);
  testing::TempDir dir;
  const std::string exported = exported_elsewhere(run, dir);
  const std::string inputs = inputs_for(kind, run, dir);
  const auto from_run = run_attune({"predict", run, "--data", inputs});
  const auto from_export = run_attune({"predict", exported, "--data", inputs});
  ASSERT_EQ(from_run.exit_code, 0) << from_run.err;
  ASSERT_EQ(from_export.exit_code, 0) << from_export.err;
  EXPECT_EQ(from_export.out, from_run.out);
  const auto eval_run = run_attune({"eval", run, "--data", inputs});
  const auto eval_export = run_attune({"eval", exported, "--data", inputs});
  ASSERT_EQ(eval_export.exit_code, 0) << eval_export.err;
  EXPECT_EQ(eval_export.out, eval_run.out);
}

TEST(SafetensorsExport, TransformerExportPredictsAndEvaluatesAsTheRun) {
  expect_export_predicts_as_the_run(TinyModel::transformer);
}

TEST(SafetensorsExport, BertExportPredictsAndEvaluatesAsTheRun) {
  expect_export_predicts_as_the_run(TinyModel::bert);
}

TEST(SafetensorsExport, VitExportPredictsAndEvaluatesAsTheRun) {
  expect_export_predicts_as_the_run(TinyModel::vit);
}

TEST(SafetensorsExport, PretrainedInitializerLoadsItExactly) {
  const std::string run = testing::tiny_run(TinyModel::transformer);
  testing::TempDir dir;
  const std::string exported = exported_elsewhere(run, dir);
  const auto experiment_yaml = std::filesystem::path(run).parent_path() / "exp.yaml";
  const auto loaded =
      load_experiment(experiment_yaml, {"init=[{type: pretrained, path: " + exported + ", strict: true}]"});
  const Experiment fresh = build_experiment(loaded);
  const TrainedModel trained = load_trained_model(run, {"best", "cpu"});
  const auto expected = trained.model().named_parameters();
  int64_t compared = 0;
  for (const auto& item : fresh.model->named_parameters()) {
    EXPECT_TRUE(torch::equal(item.value(), expected[item.key()])) << item.key();
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int64_t>(expected.size()));
}

TEST(SafetensorsExport, AnExportHasNoValidationSplitOrOtherCheckpoints) {
  const std::string run = testing::tiny_run(TinyModel::transformer);
  testing::TempDir dir;
  const std::string exported = exported_elsewhere(run, dir);
  const auto eval = run_attune({"eval", exported});
  EXPECT_EQ(eval.exit_code, 2);
  EXPECT_NE(eval.err.find("is an export: it holds no validation split; evaluate it on a labelled file with --data"),
            std::string::npos)
      << eval.err;
  const auto last = run_attune({"predict", exported, "--data", "-", "--checkpoint", "last"});
  EXPECT_EQ(last.exit_code, 2);
  EXPECT_NE(last.err.find("is an export with one set of weights"), std::string::npos) << last.err;
}

}  // namespace safetensors_export_test
}  // namespace attune
