// optimizer.param_groups select parameters by `kind:` as `init:` rules do, so
// that "no weight decay on biases and norms" needs no name globs. The
// reference: HuggingFace's own recipe, `no_decay = ["bias", "LayerNorm.weight"]`
// matched as substrings of HuggingFace's parameter names, on the bert-tiny
// fixture that transformers wrote.
#include <gtest/gtest.h>
#include <torch/optim/adamw.h>

#include <set>

#include "core/experiment/experiment.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace param_group_kinds_test {

std::string bert_experiment(const testing::TempDir& dir, const std::string& param_groups) {
  const std::string bert = testing::fixtures_dir() + "/bert-tiny";
  const std::string yaml = testing::write_tiny_experiment(dir, 32);
  const std::string path = dir.file("bert.yaml");
  testing::write_text(path,
                      "name: bert\n"
                      "data:\n"
                      "  type: text_classification\n"
                      "  train: train.tsv\n"
                      "  valid: valid.tsv\n"
                      "  tokenizer: {type: wordpiece, vocab: " +
                          bert +
                          "/vocab.txt}\n"
                          "  max_length: 32\n"
                          "model: {type: bert_classifier, pretrained: " +
                          bert +
                          "}\n"
                          "optimizer:\n"
                          "  type: adamw\n"
                          "  weight_decay: 0.01\n"
                          "  param_groups: " +
                          param_groups + "\n");
  return path;
}

/// The names of the parameters in the optimizer group called `group`.
std::set<std::string> group_members(const Experiment& e, const std::string& group) {
  std::set<const void*> tensors;
  for (size_t g = 0; g < e.group_names.size(); ++g) {
    if (e.group_names[g] != group) continue;
    for (const auto& p : e.optimizer->param_groups()[g].params()) tensors.insert(p.unsafeGetTensorImpl());
  }
  std::set<std::string> names;
  for (const auto& p : e.model->named_parameters()) {
    if (tensors.count(p.value().unsafeGetTensorImpl())) names.insert(p.key());
  }
  return names;
}

double group_weight_decay(const Experiment& e, const std::string& group) {
  for (size_t g = 0; g < e.group_names.size(); ++g) {
    if (e.group_names[g] == group) {
      return static_cast<const torch::optim::AdamWOptions&>(e.optimizer->param_groups()[g].options()).weight_decay();
    }
  }
  return -1;
}

TEST(ParamGroupKinds, BiasAndNormSelectWhatHuggingFacesNoDecayRecipeSelects) {
  testing::TempDir dir;
  const auto yaml = bert_experiment(dir, "[{name: no_decay, kind: [bias, norm], weight_decay: 0.0}]");
  const Experiment e = build_experiment(load_experiment(yaml));
  std::set<std::string> recipe;  // transformers' examples: any(nd in n for nd in no_decay)
  for (const auto& p : e.model->named_parameters()) {
    if (p.key().find("bias") != std::string::npos || p.key().find("LayerNorm.weight") != std::string::npos) {
      recipe.insert(p.key());
    }
  }
  ASSERT_GT(recipe.size(), 10u);
  EXPECT_EQ(group_members(e, "no_decay"), recipe);
  EXPECT_EQ(group_weight_decay(e, "no_decay"), 0.0);
  EXPECT_EQ(group_weight_decay(e, "default"), 0.01);
}

TEST(ParamGroupKinds, KindAndMatchTogetherSelectWhatBothSelect) {
  testing::TempDir dir;
  const auto yaml = bert_experiment(
      dir,
      "[{name: encoder, match: [\"bert.*\"], lr: 0.001}, "
      "{name: encoder_no_decay, match: [\"bert.*\"], kind: [bias, norm], lr: 0.001, weight_decay: 0.0}]");
  const Experiment e = build_experiment(load_experiment(yaml));
  for (const auto& name : group_members(e, "encoder_no_decay")) {
    EXPECT_EQ(name.rfind("bert.", 0), 0u) << name;
    EXPECT_TRUE(name.find("bias") != std::string::npos || name.find("LayerNorm") != std::string::npos) << name;
  }
  // The head is neither: it stays in the default group, bias included.
  EXPECT_EQ(group_members(e, "default"), (std::set<std::string>{"classifier.bias", "classifier.weight"}));
}

TEST(ParamGroupKinds, AGroupSelectingNothingNamesWhy) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 32);
  // A later group takes everything the first selects.
  const auto taken = testing::run_attune(
      {"train", yaml, "optimizer.param_groups=[{name: a, kind: bias}, {name: b, kind: [bias, linear]}]", "--run-dir",
       dir.file("run")});
  EXPECT_EQ(taken.exit_code, 2);
  EXPECT_NE(taken.err.find("group `a` gets no parameter: a later group takes every one it selects"), std::string::npos)
      << taken.err;
  const auto unknown = testing::run_attune({"check", yaml, "optimizer.param_groups=[{name: a, kind: biases}]"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("did you mean `bias`?"), std::string::npos) << unknown.err;
  const auto neither = testing::run_attune({"check", yaml, "optimizer.param_groups=[{name: a, lr: 0.1}]"});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_NE(neither.err.find("by `match` (name globs), `kind`, or both"), std::string::npos) << neither.err;
}

}  // namespace param_group_kinds_test
}  // namespace attune
