// Weights saved by PyTorch (tests/fixtures/tiny_model, made by
// make_pretrained_fixture.py) load through `type: pretrained` from every
// format, bit for bit, and give PyTorch's logits.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/experiment/experiment.h"
#include "core/io/weights_file.h"
#include "core/train/checkpoint.h"
#include "core/train/trainer.h"
#include "tests/support/test_support.h"

namespace attune {
namespace pretrained_test {

std::string fixture(const std::string& name) {
  return testing::fixtures_dir() + "/tiny_model/" + name;
}

nlohmann::json expected() {
  return nlohmann::json::parse(testing::read_text(fixture("expected.json")));
}

std::string experiment(const testing::TempDir& dir, const std::string& pretrained) {
  const std::string path = dir.file("exp.yaml");
  testing::write_text(path, "data: {type: text_classification, train: " + fixture("train.tsv") +
                                ", valid: " + fixture("train.tsv") + ", tokenizer: {vocab: " + fixture("vocab.txt") +
                                "}, max_length: 16}\n"
                                "model: {type: transformer_classifier, hidden_dim: 8, num_heads: 2, num_layers: 2, "
                                "ff_dim: 16}\n"
                                "init:\n  - {match: '*', type: pretrained, " +
                                pretrained +
                                "}\n"
                                "train: {progress: none}\n");
  return path;
}

Experiment build(const testing::TempDir& dir, const std::string& pretrained) {
  return build_experiment(load_experiment(experiment(dir, pretrained)));
}

void expect_parameters(const Experiment& e, const char* values_key) {
  const auto json = expected();
  const auto params = e.model->named_parameters();
  ASSERT_EQ(params.size(), json.at(values_key).size());
  for (const auto& [name, values] : json.at(values_key).items()) {
    const auto want = torch::tensor(values.get<std::vector<double>>(), torch::kDouble).to(torch::kFloat);
    EXPECT_TRUE(torch::equal(params[name].flatten(), want)) << name;
  }
}

std::string message_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Pretrained, TorchSaveStateDictAndSafetensorsGiveIdenticalParameters) {
  testing::TempDir dir;
  const auto from_bin = build(dir, "path: " + fixture("state_dict.bin") + ", strict: true");
  const auto from_safetensors = build(dir, "path: " + fixture("model.safetensors") + ", strict: true");
  expect_parameters(from_bin, "parameters");
  expect_parameters(from_safetensors, "parameters");
  for (const auto& p : from_bin.model->named_parameters()) {
    EXPECT_TRUE(torch::equal(p.value(), from_safetensors.model->named_parameters()[p.key()])) << p.key();
  }
}

TEST(Pretrained, LoadedModelGivesPyTorchsLogits) {
  testing::TempDir dir;
  auto e = build(dir, "path: " + fixture("state_dict.bin"));
  const auto json = expected();
  Batch batch;
  std::vector<torch::Tensor> ids, masks;
  for (const auto& row : json.at("input_ids")) ids.push_back(torch::tensor(row.get<std::vector<int64_t>>()));
  for (const auto& row : json.at("attention_mask")) masks.push_back(torch::tensor(row.get<std::vector<int64_t>>()));
  batch.input_ids = torch::stack(ids);
  batch.attention_mask = torch::stack(masks);
  e.model->eval();
  torch::NoGradGuard no_grad;
  const auto logits = e.model->forward(batch);
  std::vector<torch::Tensor> rows;
  for (const auto& row : json.at("logits")) rows.push_back(torch::tensor(row.get<std::vector<double>>()));
  const auto want = torch::stack(rows).to(torch::kFloat);
  EXPECT_TRUE(torch::allclose(logits, want, 1e-5, 1e-5)) << logits << want;
}

TEST(Pretrained, HalfPrecisionWithPrefixAndLegacyNamesConverts) {
  testing::TempDir dir;
  const auto e = build(dir, "path: " + fixture("half.safetensors") +
                                ", prefix: model., rename: [[gamma, weight]], "
                                "strict: true");
  expect_parameters(e, "half_parameters");
  for (const auto& p : e.model->named_parameters()) EXPECT_EQ(p.value().scalar_type(), torch::kFloat) << p.key();
}

TEST(Pretrained, StrictModeListsMissingAndUnexpectedKeys) {
  testing::TempDir dir;
  // Without the prefix nothing matches: every model parameter is missing and
  // every checkpoint key unexpected.
  const std::string strict = message_of([&] { build(dir, "path: " + fixture("half.safetensors") + ", strict: true"); });
  EXPECT_NE(strict.find("init: pretrained " + fixture("half.safetensors") +
                        " (strict); missing in the checkpoint: "
                        "embedding.tokens.weight"),
            std::string::npos)
      << strict;
  EXPECT_NE(strict.find("; unexpected (not in the model): model.embedding.norm.bias, model.embedding.norm.gamma, "),
            std::string::npos)
      << strict;
  // Not strict: the run goes on, the report says what was kept.
  const auto e = build(dir, "path: " + fixture("half.safetensors") + ", prefix: model.");
  for (const auto& row : e.init_report) {
    if (row.name == "embedding.norm.weight") EXPECT_EQ(row.note, "not in init[0]'s checkpoint: module default");
    if (row.name == "head.weight") EXPECT_EQ(row.note, "");
  }
}

TEST(Pretrained, ShapeMismatchIsListed) {
  testing::TempDir dir;
  const std::string path = experiment(dir, "path: " + fixture("state_dict.bin") + ", strict: true");
  const std::string message = message_of([&] { build_experiment(load_experiment(path, {"model.ff_dim=32"})); });
  EXPECT_NE(message.find("shape mismatch: encoder.layers.0.linear1.weight (checkpoint [16,8], model [32,8])"),
            std::string::npos)
      << message;
}

TEST(Pretrained, AttuneCheckpointLoadsAsWeights) {
  testing::TempDir dir;
  const std::string yaml = experiment(dir, "path: " + fixture("state_dict.bin"));
  Experiment trained = build_experiment(load_experiment(yaml, {"train.epochs=1"}));
  Trainer(trained, RunDirectory(dir.file("run"))).fit(false);
  const auto e = build(dir, "path: " + dir.file("run/checkpoints/last.pt") + ", strict: true");
  for (const auto& p : trained.model->named_parameters()) {
    EXPECT_TRUE(torch::equal(p.value(), e.model->named_parameters()[p.key()])) << p.key();
  }
}

TEST(Pretrained, HuggingFaceFolderReadsItsWeightsFile) {
  const std::string folder = testing::fixtures_dir() + "/bert-tiny";
  EXPECT_EQ(find_weights_in_folder(folder), folder + "/model.safetensors");
  const StateDict weights = read_weights(folder);
  EXPECT_EQ(weights.size(), 42u);
  const StateDict from_bin = read_weights(folder + "/pytorch_model.bin");
  ASSERT_EQ(from_bin.size(), 42u);
  for (const auto& [name, tensor] : weights) {
    const std::string& wanted = name;  // C++17 lambdas cannot capture a structured binding
    auto it = std::find_if(from_bin.begin(), from_bin.end(), [&](const auto& kv) { return kv.first == wanted; });
    ASSERT_NE(it, from_bin.end()) << name;
    EXPECT_TRUE(torch::equal(tensor, it->second)) << name;
  }
  EXPECT_NE(message_of([] { read_weights("/nonexistent/weights.bin"); }).find("weights file not found"),
            std::string::npos);
}

}  // namespace pretrained_test
}  // namespace attune
