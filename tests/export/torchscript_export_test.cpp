// `attune export --to torchscript`: the file loads in C++ (torch::jit::load)
// and in Python (torch.jit.load) and gives attune's logits, for every model
// type, at two batch sizes and (text) two sequence lengths.
#include <gtest/gtest.h>
#include <torch/script.h>

#include "tests/export/export_test_support.h"
#include "tests/support/trained_runs.h"

namespace attune {
namespace torchscript_export_test {

using testing::TinyModel;

void expect_torchscript_matches(TinyModel kind) {
  const std::string run = testing::tiny_run(kind);
  testing::TempDir dir;
  const auto exported = testing::run_attune({"export", run, "--to", "torchscript", dir.file("model.pt")});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;

  const TrainedModel trained = load_trained_model(run, {"best", "cpu"});
  const auto batches = testing::sample_batches(trained, run);
  torch::jit::Module module = torch::jit::load(dir.file("model.pt"));
  module.eval();
  std::vector<torch::Tensor> expected;
  torch::NoGradGuard no_grad;
  for (const auto& batch : batches) {
    expected.push_back(trained.model().forward(batch));
    std::vector<torch::jit::IValue> inputs;
    if (batch.pixels.defined()) {
      inputs = {batch.pixels};
    } else {
      const auto types = batch.token_type_ids.defined() ? batch.token_type_ids : torch::zeros_like(batch.input_ids);
      inputs = {batch.input_ids, batch.attention_mask, types};
    }
    const auto logits = module.forward(inputs).toTensor();
    EXPECT_TRUE(torch::allclose(logits, expected.back(), 0, 1e-5))
        << "C++ torch::jit::load, batch " << batch.size() << ": max difference "
        << (logits - expected.back()).abs().max().item<double>();
  }

  testing::write_text(dir.file("batches.json"), testing::batches_json(batches).dump());
  const auto python =
      testing::run_shell(testing::python() + " " + testing::source_dir() + "/tests/python/torchscript_logits.py " +
                         dir.file("model.pt") + " " + dir.file("batches.json") + " 2>&1");
  ASSERT_EQ(python.exit_code, 0) << python.text;
  const auto result = nlohmann::json::parse(python.text);
  EXPECT_EQ(result["labels"].get<std::vector<std::string>>(), trained.labels());
  for (size_t i = 0; i < batches.size(); ++i) {
    EXPECT_LE(testing::max_difference(expected[i], result["logits"][i]), 1e-5)
        << "Python torch.jit.load, batch " << batches[i].size();
  }
}

TEST(TorchScriptExport, TransformerClassifierMatchesInCppAndPython) {
  expect_torchscript_matches(TinyModel::transformer);
}

TEST(TorchScriptExport, BertClassifierMatchesInCppAndPython) {
  expect_torchscript_matches(TinyModel::bert);
}

TEST(TorchScriptExport, VitMatchesInCppAndPython) {
  expect_torchscript_matches(TinyModel::vit);
}

TEST(TorchScriptExport, TheTwoTextBatchesHaveTwoLengths) {
  const std::string run = testing::tiny_run(TinyModel::transformer);
  const TrainedModel trained = load_trained_model(run, {"best", "cpu"});
  const auto batches = testing::sample_batches(trained, run);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_NE(batches[0].size(), batches[1].size());
  EXPECT_NE(batches[0].input_ids.size(1), batches[1].input_ids.size(1));
}

}  // namespace torchscript_export_test
}  // namespace attune
