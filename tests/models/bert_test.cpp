// attune's BERT against HuggingFace: the bert-tiny fixture's outputs
// (reference.json, made by transformers 4.29.2) from both weight files, the
// classifier's logits, the tokenizer through `attune tokenize`, a checkpoint
// laid out as the hub's original bert-base-uncased, and fine-tuning from YAML.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/experiment/experiment.h"
#include "core/train/trainer.h"
#include "tests/support/test_support.h"

namespace attune {
namespace bert_test {

std::string bert_tiny() {
  return testing::fixtures_dir() + "/bert-tiny";
}

const nlohmann::json& reference() {
  static const auto* json =
      new nlohmann::json(nlohmann::json::parse(testing::read_text(bert_tiny() + "/reference.json")));
  return *json;
}

torch::Tensor to_tensor(const nlohmann::json& json) {
  if (!json.is_array()) return torch::tensor(json.get<double>(), torch::kDouble);
  std::vector<torch::Tensor> items;
  for (const auto& item : json) items.push_back(to_tensor(item));
  return torch::stack(items);
}

class BertEmbed : public ::testing::TestWithParam<std::string> {};

TEST_P(BertEmbed, ReproducesHuggingFaceOutputsOnEveryBatch) {
  testing::TempDir dir;
  for (const auto& batch : reference().at("batches")) {
    const std::string name = batch.at("name");
    nlohmann::json input;
    for (const char* key : {"input_ids", "token_type_ids", "attention_mask"}) input[key] = batch.at(key);
    testing::write_text(dir.file(name + ".json"), input.dump());
    const auto result =
        testing::run_attune({"embed", "--model", bert_tiny(), "--weights", bert_tiny() + "/" + GetParam(), "--input",
                             dir.file(name + ".json"), "--output", dir.file(name + ".out")});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto out = nlohmann::json::parse(testing::read_text(dir.file(name + ".out")));
    for (const char* key : {"last_hidden_state", "pooler_output"}) {
      const auto got = to_tensor(out.at(key)), want = to_tensor(batch.at("outputs").at(key));
      ASSERT_EQ(got.sizes(), want.sizes()) << name << " " << key;
      EXPECT_LE((got - want).abs().max().item<double>(), 1e-5) << name << " " << key;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(WeightFiles, BertEmbed, ::testing::Values("model.safetensors", "pytorch_model.bin"),
                         [](const auto& info) { return info.param == "model.safetensors" ? "safetensors" : "bin"; });

std::string classifier_experiment(const testing::TempDir& dir, const std::string& model_dir,
                                  const std::string& extra = "") {
  testing::write_head(testing::source_dir() + "/data/sst2/dev.tsv", dir.file("train.tsv"), 64);
  const std::string path = dir.file("bert.yaml");
  testing::write_text(path,
                      "data: {type: text_classification, train: train.tsv, valid: train.tsv, max_length: 64,\n"
                      "       tokenizer: {vocab: " +
                          model_dir +
                          "/vocab.txt}}\n"
                          "model: {type: bert_classifier, pretrained: " +
                          model_dir +
                          "}\n"
                          "train: {epochs: 1, batch_size: 16, progress: none}\n" +
                          extra);
  return path;
}

TEST(BertClassifier, ReproducesHuggingFaceLogits) {
  testing::TempDir dir;
  auto e = build_experiment(load_experiment(classifier_experiment(dir, bert_tiny())));
  e.model->eval();
  torch::NoGradGuard no_grad;
  for (const auto& batch : reference().at("batches")) {
    Batch input;
    input.input_ids = to_tensor(batch.at("input_ids")).to(torch::kLong);
    input.token_type_ids = to_tensor(batch.at("token_type_ids")).to(torch::kLong);
    input.attention_mask = to_tensor(batch.at("attention_mask")).to(torch::kLong);
    const auto logits = e.model->forward(input).to(torch::kDouble);
    EXPECT_LE((logits - to_tensor(batch.at("outputs").at("logits"))).abs().max().item<double>(), 1e-5)
        << batch.at("name");
  }
  // Every parameter came from the checkpoint.
  for (const auto& row : e.init_report) EXPECT_EQ(row.initializer, "pretrained") << row.name;
}

TEST(BertTokenize, ReproducesHuggingFaceTokenizerOnEverySentence) {
  const auto fixture = nlohmann::json::parse(testing::read_text(bert_tiny() + "/tokenizer_reference.json"));
  // Some texts hold a NUL, which no command-line argument can: read them from JSON.
  nlohmann::json texts = nlohmann::json::array();
  for (const auto& sentence : fixture.at("sentences")) texts.push_back(sentence.at("text"));
  testing::TempDir dir;
  testing::write_text(dir.file("texts.json"), texts.dump());
  const auto result =
      testing::run_attune({"tokenize", "--vocab", bert_tiny() + "/vocab.txt", "--input", dir.file("texts.json")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto out = nlohmann::json::parse(result.out);
  ASSERT_EQ(out.size(), fixture.at("sentences").size());
  for (size_t i = 0; i < out.size(); ++i) {
    const auto& want = fixture.at("sentences")[i];
    EXPECT_EQ(out[i].at("tokens"), want.at("tokens")) << want.at("text");
    EXPECT_EQ(out[i].at("input_ids"), want.at("input_ids")) << want.at("text");
    EXPECT_EQ(out[i].at("token_type_ids"), want.at("token_type_ids")) << want.at("text");
    EXPECT_EQ(out[i].at("attention_mask"), want.at("attention_mask")) << want.at("text");
  }
  // Texts given as arguments go the same way.
  const auto& first = fixture.at("sentences")[0];
  const auto one = testing::run_attune({"tokenize", "--vocab", bert_tiny() + "/vocab.txt", first.at("text")});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(nlohmann::json::parse(one.out)[0].at("input_ids"), first.at("input_ids"));
}

// The hub's bert-base-uncased predates transformers' renames: LayerNorm
// gamma/beta, the `bert.` prefix, pretraining heads under `cls.`, no
// classifier. Build such a checkpoint from the fixture with python3-torch.
TEST(BertClassifier, LoadsAHubLayoutCheckpointSkippingPretrainingHeads) {
  testing::TempDir dir;
  const std::string script = R"(
import shutil, sys, torch
src, dst = sys.argv[1], sys.argv[2]
state = torch.load(src + '/pytorch_model.bin')
out = {}
for k, v in state.items():
    if k.startswith('classifier.'):
        continue
    out[k.replace('LayerNorm.weight', 'LayerNorm.gamma').replace('LayerNorm.bias', 'LayerNorm.beta')] = v
h, V = 32, 30522
out['cls.predictions.bias'] = torch.zeros(V)
out['cls.predictions.transform.dense.weight'] = torch.randn(h, h)
out['cls.predictions.transform.dense.bias'] = torch.zeros(h)
out['cls.predictions.transform.LayerNorm.gamma'] = torch.ones(h)
out['cls.predictions.transform.LayerNorm.beta'] = torch.zeros(h)
out['cls.predictions.decoder.weight'] = state['bert.embeddings.word_embeddings.weight']
out['cls.seq_relationship.weight'] = torch.randn(2, h)
out['cls.seq_relationship.bias'] = torch.zeros(2)
torch.save(out, dst + '/pytorch_model.bin')
for f in ('config.json', 'vocab.txt'):
    shutil.copy(src + '/' + f, dst + '/' + f)
)";
  testing::write_text(dir.file("make.py"), script);
  const std::string hub = dir.file("hub");
  std::filesystem::create_directories(hub);
  ASSERT_EQ(std::system((testing::python() + " " + dir.file("make.py") + " " + bert_tiny() + " " + hub).c_str()), 0);

  const auto result = testing::run_attune({"check", classifier_experiment(dir, hub), "--init"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("skipped (ignore): bert.embeddings.position_ids, cls.predictions.bias, "
                            "cls.predictions.transform.dense.weight"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("unexpected"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("missing in the checkpoint: classifier.weight, classifier.bias"), std::string::npos)
      << result.err;

  auto from_hub = build_experiment(load_experiment(classifier_experiment(dir, hub)));
  auto original = build_experiment(load_experiment(classifier_experiment(dir, bert_tiny())));
  size_t encoder_weights = 0;
  for (const auto& row : from_hub.init_report) {
    if (row.name.rfind("bert.", 0) != 0) {
      EXPECT_EQ(row.initializer, "bert") << row.name;  // the new head: HuggingFace's init
      continue;
    }
    ++encoder_weights;
    EXPECT_EQ(row.initializer, "pretrained") << row.name;
    EXPECT_TRUE(
        torch::equal(from_hub.model->named_parameters()[row.name], original.model->named_parameters()[row.name]))
        << row.name;
  }
  EXPECT_EQ(encoder_weights, 39u);
}

TEST(BertClassifier, FineTuningExperimentTrainsAndItsLossFalls) {
  testing::TempDir dir;
  const auto result = testing::run_attune({"train", testing::source_dir() + "/experiments/bert_tiny_sst2.yaml",
                                           "train.epochs=3", "train.progress=none", "--run-dir", dir.file("run")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto summary = nlohmann::json::parse(result.out);
  EXPECT_EQ(summary.at("epochs"), 3);
  const std::string metrics = testing::read_text(dir.file("run/metrics.csv"));
  // epoch,step,lr and one lr per param group,train_loss,...: the loss column falls epoch after epoch.
  std::istringstream lines(metrics);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.substr(0, line.find(",train_loss")), "epoch,step,lr,lr_head_no_decay,lr_encoder,lr_encoder_no_decay");
  const auto column = std::count(line.begin(), line.begin() + static_cast<long>(line.find("train_loss")), ',');
  std::vector<double> losses;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::string cell;
    for (int i = 0; i <= column; ++i) std::getline(cells, cell, ',');
    losses.push_back(std::stod(cell));
  }
  ASSERT_EQ(losses.size(), 3u);
  EXPECT_LT(losses[1], losses[0]);
  EXPECT_LT(losses[2], losses[1]);
}

}  // namespace bert_test
}  // namespace attune
