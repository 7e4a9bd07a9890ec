#include <gtest/gtest.h>

#include "core/config/overrides.h"
#include "core/error.h"
#include "core/experiment/experiment_config.h"
#include "tests/support/test_support.h"

namespace attune {
namespace overrides_test {

YAML::Node parse(const std::string& text) {
  return YAML::Load(text);
}

TEST(Overrides, SetsDottedKeysWithYamlTypes) {
  YAML::Node root = parse("optimizer: {type: adamw, lr: 0.1}\nmodel: {num_heads: 2}\n");
  config::OverrideMap map;
  config::apply_override(root, "optimizer.lr=1e-4", map);
  config::apply_override(root, "model.num_heads=8", map);
  config::apply_override(root, "optimizer.betas=[0.8, 0.9]", map);
  EXPECT_EQ(root["optimizer"]["lr"].Scalar(), "1e-4");
  EXPECT_EQ(root["optimizer"]["type"].Scalar(), "adamw");  // siblings untouched
  EXPECT_EQ(root["model"]["num_heads"].as<int>(), 8);
  ASSERT_TRUE(root["optimizer"]["betas"].IsSequence());
  EXPECT_DOUBLE_EQ(root["optimizer"]["betas"][1].as<double>(), 0.9);
  EXPECT_EQ(map.at("optimizer.lr"), "override `optimizer.lr=1e-4`");
}

TEST(Overrides, CreatesMissingMapsAndIndexesLists) {
  YAML::Node root = parse("init:\n  - {match: '*', type: zeros}\n");
  config::OverrideMap map;
  config::apply_override(root, "scheduler.type=cosine", map);
  config::apply_override(root, "init.0.type=ones", map);
  EXPECT_EQ(root["scheduler"]["type"].Scalar(), "cosine");
  EXPECT_EQ(root["init"][0]["type"].Scalar(), "ones");
  EXPECT_EQ(root["init"][0]["match"].Scalar(), "*");
}

TEST(Overrides, ReplacesAWholeSectionWithAMap) {
  YAML::Node root = parse("scheduler: {type: cosine, t_max: 5}\n");
  config::OverrideMap map;
  config::apply_override(root, "scheduler={type: exponential, gamma: 0.5}", map);
  EXPECT_EQ(root["scheduler"]["type"].Scalar(), "exponential");
  EXPECT_FALSE(root["scheduler"]["t_max"].IsDefined());
}

TEST(Overrides, SearchSpaceEntriesAreDottedKeysOfTheirOwn) {
  YAML::Node root = parse("search:\n  space:\n    optimizer.lr: [0.1, 0.2]\n    model.num_heads: [2, 4]\n");
  config::OverrideMap map;
  config::apply_override(root, "search.space.optimizer.lr=[0.5]", map);
  config::apply_override(root, "search.space.model.hidden_dim=[32, 64]", map);
  EXPECT_EQ(root["search"]["space"]["optimizer.lr"].size(), 1u);
  EXPECT_DOUBLE_EQ(root["search"]["space"]["optimizer.lr"][0].as<double>(), 0.5);
  EXPECT_EQ(root["search"]["space"]["model.hidden_dim"][1].as<int>(), 64);
  EXPECT_EQ(root["search"]["space"]["model.num_heads"].size(), 2u);  // untouched
  EXPECT_FALSE(root["search"]["space"]["optimizer"]);
}

TEST(Overrides, RejectsMalformedOverrides) {
  YAML::Node root = parse("a: {b: 1}\ninit: [1]\n");
  config::OverrideMap map;
  auto message = [&](const std::string& text) {
    try {
      config::apply_override(root, text, map);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message("novalue").find("expected key=value"), std::string::npos);
  EXPECT_NE(message("a..b=1").find("empty key segment"), std::string::npos);
  EXPECT_NE(message("a.b.c=1").find("`a.b` holds a value, not a map"), std::string::npos);
  EXPECT_NE(message("init.3=1").find("`init` is a list of 1 items; `3` is not an index"), std::string::npos);
  EXPECT_NE(message("a.b=[1,").find("not valid YAML"), std::string::npos);
}

TEST(Overrides, ApplyThroughLoadExperimentWithPathsFromWorkingDirectory) {
  testing::TempDir dir;
  const std::string dev = testing::source_dir() + "/data/sst2/dev.tsv";
  testing::write_text(
      dir.file("exp.yaml"),
      "data: {type: text_classification, train: missing.tsv, tokenizer: {vocab: " + testing::source_dir() +
          "/data/vocab/bert-base-uncased.txt}}\n"
          "model: {type: transformer_classifier}\n");
  // An override's relative path is relative to where the command runs, not to the YAML.
  const std::string relative = std::filesystem::relative(dev).string();
  ASSERT_NE(relative.front(), '/');
  const auto loaded = load_experiment(dir.file("exp.yaml"), {"data.train=" + relative, "train.epochs=7", "seed=42"});
  EXPECT_EQ(loaded.config.train.epochs, 7);
  EXPECT_EQ(loaded.config.seed, 42);
  EXPECT_EQ(loaded.config.data.options["train"].Scalar(), dev);
  EXPECT_EQ(loaded.resolved["train"]["epochs"].as<int>(), 7);
}

}  // namespace overrides_test
}  // namespace attune
