// Every class of config error names the file, line and column, the key, what
// was expected, and the closest valid key.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "tests/support/test_support.h"

namespace attune {
namespace config_errors_test {

using testing::TempDir;

class ConfigErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_head(testing::source_dir() + "/data/sst2/dev.tsv", dir_.file("train.tsv"), 20);
    testing::write_head(testing::source_dir() + "/data/sst2/dev.tsv", dir_.file("dev.tsv"), 10);
  }

  // A valid experiment; `model_extra` lands on line 11, inside `model:`.
  std::string yaml(const std::string& model_extra = "", const std::string& tail = "") const {
    return "name: t\n"                      // 1
           "data:\n"                        // 2
           "  type: text_classification\n"  // 3
           "  train: train.tsv\n"           // 4
           "  valid: dev.tsv\n"             // 5
           "  tokenizer: {type: wordpiece, vocab: " +
           vocab() +
           "}\n"                                                                // 6
           "  max_length: 32\n"                                                 // 7
           "model:\n"                                                           // 8
           "  type: transformer_classifier\n"                                   // 9
           "  hidden_dim: 16\n"                                                 // 10
           + (model_extra.empty() ? "  num_heads: 2\n" : model_extra + "\n") +  // 11
           "optimizer: {type: adamw, lr: 0.001}\n"                              // 12
           "scheduler: {type: cosine}\n"                                        // 13
           "train: {epochs: 1, batch_size: 8}\n"                                // 14
           + tail;
  }
  static std::string vocab() { return testing::source_dir() + "/data/vocab/bert-base-uncased.txt"; }

  // The message load_experiment throws, or "" when it loads.
  std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) const {
    const std::string path = dir_.file("exp.yaml");
    testing::write_text(path, text);
    try {
      load_experiment(path, overrides);
    } catch (const InputError& e) {
      EXPECT_EQ(e.exit_code(), kExitBadInput);
      return e.what();
    }
    return "";
  }

  std::string at(int line, int column) const {
    return dir_.file("exp.yaml") + ":" + std::to_string(line) + ":" + std::to_string(column);
  }

  TempDir dir_;
};

TEST_F(ConfigErrors, ValidExperimentLoads) {
  EXPECT_EQ(error_of(yaml()), "");
}

TEST_F(ConfigErrors, MisspeltKeyNamesPlaceAndSuggestsClosest) {
  const std::string message = error_of(yaml("  num_head: 2"));
  EXPECT_NE(message.find(at(11, 3) + ": model.num_head: unknown key (did you mean `num_heads`?)"), std::string::npos)
      << message;
  EXPECT_NE(message.find("valid keys:"), std::string::npos) << message;
}

TEST_F(ConfigErrors, MisspeltSectionKeySuggestsSection) {
  const std::string message = error_of(yaml("", "trian: {epochs: 2}\n"));
  EXPECT_NE(message.find(at(15, 1) + ": trian: unknown key (did you mean `train`?)"), std::string::npos) << message;
}

TEST_F(ConfigErrors, WrongTypeSaysWhatWasExpected) {
  const std::string message = error_of(yaml("  num_heads: two"));
  EXPECT_NE(message.find(at(11, 14) + ": model.num_heads: expected an integer, got `two`"), std::string::npos)
      << message;
}

TEST_F(ConfigErrors, FractionalIntegerIsRejected) {
  const std::string message = error_of(yaml("  num_heads: 2.5"));
  EXPECT_NE(message.find("model.num_heads: expected an integer, got `2.5`"), std::string::npos) << message;
}

TEST_F(ConfigErrors, NegativeLearningRateIsOutOfRange) {
  std::string text = yaml();
  text.replace(text.find("lr: 0.001"), 9, "lr: -0.1");
  const std::string message = error_of(text);
  EXPECT_NE(message.find(at(12, 30) + ": optimizer.lr: must be > 0, got -0.1"), std::string::npos) << message;
}

TEST_F(ConfigErrors, HiddenDimMustBeDivisibleByHeads) {
  const std::string message = error_of(yaml("  num_heads: 3"));
  EXPECT_NE(message.find(at(10, 15) + ": model.hidden_dim: hidden_dim 16 must be divisible by num_heads (3)"),
            std::string::npos)
      << message;
}

TEST_F(ConfigErrors, MissingDataFileNamesTheResolvedPath) {
  std::string text = yaml();
  text.replace(text.find("train: train.tsv"), 16, "train: nowhere.tsv");
  const std::string message = error_of(text);
  EXPECT_NE(message.find(at(4, 10) + ": data.train: file not found: " + dir_.file("nowhere.tsv")), std::string::npos)
      << message;
}

TEST_F(ConfigErrors, UnknownSchedulerSuggestsRegisteredName) {
  std::string text = yaml();
  text.replace(text.find("{type: cosine}"), 14, "{type: cosin}");
  const std::string message = error_of(text);
  EXPECT_NE(message.find(at(13, 19) + ": scheduler.type: unknown scheduler `cosin` (did you mean `cosine`?)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("registered schedulers:"), std::string::npos) << message;
}

TEST_F(ConfigErrors, UnknownSchedulerOptionListsItsOptions) {
  std::string text = yaml();
  text.replace(text.find("{type: cosine}"), 14, "{type: cosine, tmax: 10}");
  const std::string message = error_of(text);
  EXPECT_NE(message.find(at(13, 27) + ": scheduler.tmax: unknown key (did you mean `t_max`?)"), std::string::npos)
      << message;
}

TEST_F(ConfigErrors, InvalidChoiceSuggestsClosest) {
  const std::string message = error_of(yaml("  num_heads: 2\n  activation: gleu"));
  EXPECT_NE(message.find("model.activation: `gleu` is not one of `gelu`, `relu` (did you mean `gelu`?)"),
            std::string::npos)
      << message;
}

TEST_F(ConfigErrors, MissingRequiredKeyNamesTheSection) {
  std::string text = yaml();
  text.replace(text.find("  type: transformer_classifier\n"), 31, "");
  const std::string message = error_of(text);
  EXPECT_NE(
      message.find("model: missing required key `type` (one of `bert_classifier`, `transformer_classifier`, `vit`)"),
      std::string::npos)
      << message;
}

TEST_F(ConfigErrors, MalformedYamlNamesLineAndColumn) {
  const std::string message = error_of("name: t\nmodel: {type: x\n");
  EXPECT_NE(message.find(dir_.file("exp.yaml") + ":3:1: invalid YAML"), std::string::npos) << message;
}

TEST_F(ConfigErrors, MapExpectedWhereScalarGiven) {
  std::string text = yaml();
  text.replace(text.find("train: {epochs: 1, batch_size: 8}"), 34, "train: 5");
  const std::string message = error_of(text);
  EXPECT_NE(message.find("train: expected a map with keys `epochs`"), std::string::npos) << message;
}

TEST_F(ConfigErrors, EmptyFileIsAnError) {
  EXPECT_NE(error_of("").find("the experiment file is empty"), std::string::npos);
}

TEST_F(ConfigErrors, OverrideErrorsNameTheOverride) {
  const std::string message = error_of(yaml(), {"model.num_heads=abc"});
  EXPECT_NE(message.find("override `model.num_heads=abc`: model.num_heads: expected an integer, got `abc`"),
            std::string::npos)
      << message;
}

TEST_F(ConfigErrors, MisspeltOverrideKeySuggestsClosest) {
  const std::string message = error_of(yaml(), {"optimizer.learning_rate=0.1"});
  EXPECT_NE(message.find("override `optimizer.learning_rate=0.1`: optimizer.learning_rate: unknown key"),
            std::string::npos)
      << message;
}

TEST_F(ConfigErrors, DeviceMustBeKnown) {
  const std::string message = error_of(yaml(), {"device=gpu"});
  EXPECT_NE(message.find("device: expected auto, cpu, cuda or cuda:N, got `gpu`"), std::string::npos) << message;
}

}  // namespace config_errors_test
}  // namespace attune
