// `attune export --to hf`: checked through an independent Python
// re-implementation of HuggingFace's BertForSequenceClassification loading
// and forward pass (tests/python/hf_bert_reference.py), which must itself
// reproduce the logits the real transformers wrote into the bert-tiny fixture.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/predict/predictor.h"
#include "tests/export/export_test_support.h"
#include "tests/support/trained_runs.h"

namespace attune {
namespace huggingface_export_test {

using testing::TinyModel;

std::string reference_script() {
  return testing::python() + " " + testing::source_dir() + "/tests/python/hf_bert_reference.py";
}

TEST(HuggingFaceReference, ReproducesTheFixtureTransformersWrote) {
  const auto result =
      testing::run_shell(reference_script() + " check-fixture " + testing::fixtures_dir() + "/bert-tiny 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.text;
  EXPECT_NE(result.text.find("PASS"), std::string::npos) << result.text;
}

TEST(HuggingFaceExport, LoadsStrictlyAndGivesAttunesLogits) {
  const std::string run = testing::tiny_run(TinyModel::bert);
  testing::TempDir dir;
  const std::string out = dir.file("hf");
  const auto exported = testing::run_attune({"export", run, "--to", "hf", out});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  for (const char* file :
       {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
    EXPECT_TRUE(std::filesystem::exists(out + "/" + file)) << file;
  }

  const Predictor predictor(run, {"best", "cpu"});
  const auto dataset = predictor.trained().experiment.data->read_file(
      std::filesystem::path(run).parent_path() / "valid.tsv", Labels::ignored);
  const std::vector<int64_t> indices = {0, 1, 2, 3, 4, 5, 6, 7};
  const torch::Tensor logits = predictor.logits(*dataset, indices);
  testing::write_text(dir.file("inputs.json"), testing::batches_json({dataset->collate(indices)})[0].dump());
  // Strict: any missing or unexpected weight, wrong shape or non-float32 tensor fails the script.
  const auto python = testing::run_shell(reference_script() + " logits " + out + " " + dir.file("inputs.json"));
  ASSERT_EQ(python.exit_code, 0) << python.text;
  const auto result = nlohmann::json::parse(python.text);
  EXPECT_LE(testing::max_difference(logits, result["logits"]), 1e-5) << python.text;

  const auto labels = predictor.labels();
  for (size_t i = 0; i < labels.size(); ++i) EXPECT_EQ(result["id2label"][std::to_string(i)], labels[i]);
  EXPECT_EQ(result["settings"]["do_lower_case"], true);
  EXPECT_EQ(result["settings"]["model_max_length"], 48);
}

TEST(HuggingFaceExport, ModelsWithoutAHuggingFaceCounterpartAreRefused) {
  const std::string run = testing::tiny_run(TinyModel::transformer);
  testing::TempDir dir;
  const auto result = testing::run_attune({"export", run, "--to", "hf", dir.file("hf")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--to hf exports BERT classifiers"), std::string::npos) << result.err;
}

}  // namespace huggingface_export_test
}  // namespace attune
