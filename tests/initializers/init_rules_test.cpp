#include <gtest/gtest.h>

#include "core/experiment/experiment.h"
#include "initializers/init_rules.h"
#include "tests/support/test_support.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace init_rules_test {

Experiment build(const testing::TempDir& dir, const std::string& init_yaml) {
  return build_experiment(load_experiment(testing::write_tiny_experiment(dir, 16, init_yaml)));
}

const InitReportRow& row(const Experiment& e, const std::string& name) {
  for (const auto& r : e.init_report) {
    if (r.name == name) return r;
  }
  throw std::runtime_error("no row " + name);
}

TEST(InitRules, LastMatchingRuleWinsAndKindFilters) {
  testing::TempDir dir;
  const auto e = build(dir,
                       "init:\n"
                       "  - {match: '*', type: constant, value: 0.5}\n"
                       "  - {kind: linear, type: constant, value: 2.0}\n"
                       "  - {match: '*.bias', kind: linear, type: zeros}\n"
                       "  - {match: 'encoder.layers.*.attn.*.weight', type: ones}\n");
  auto params = e.model->named_parameters();
  EXPECT_EQ(params["encoder.layers.0.attn.in_proj.weight"].mean().item<double>(), 1.0);
  EXPECT_EQ(params["encoder.layers.0.linear1.weight"].mean().item<double>(), 2.0);
  EXPECT_EQ(params["encoder.layers.0.linear1.bias"].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(params["embedding.tokens.weight"].mean().item<double>(), 0.5);  // not linear: rule 0
  EXPECT_EQ(params["encoder.layers.0.norm1.bias"].mean().item<double>(), 0.5);
  EXPECT_EQ(row(e, "encoder.layers.0.attn.in_proj.weight").rule, 3);
  EXPECT_EQ(row(e, "encoder.layers.0.linear1.bias").rule, 2);
  EXPECT_EQ(row(e, "encoder.layers.0.linear1.weight").initializer, "constant");
  EXPECT_DOUBLE_EQ(row(e, "encoder.layers.0.linear1.weight").mean, 2.0);
}

TEST(InitRules, UnmatchedParametersKeepTheModuleDefaultAndTheReportSaysSo) {
  testing::TempDir dir;
  const auto e = build(dir, "init:\n  - {match: 'head.*', type: zeros}\n");
  const auto& embedding = row(e, "embedding.tokens.weight");
  EXPECT_EQ(embedding.rule, -1);
  EXPECT_EQ(embedding.initializer, "default");
  EXPECT_EQ(embedding.note, "no rule matched: module default");
  EXPECT_NEAR(embedding.std, 1.0, 0.05);  // torch.nn.Embedding's own N(0, 1)
  EXPECT_EQ(row(e, "head.weight").initializer, "zeros");
}

TEST(InitRules, RuleWithATypoFailsWithTheClosestNames) {
  testing::TempDir dir;
  try {
    build(dir, "init:\n  - {match: 'encoder.layer.*.linear1.weight', type: zeros}\n");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("init[0]: rule (match: `encoder.layer.*.linear1.weight`) matches no "
                                         "parameter (did you mean `encoder.layers.0.linear1.weight`?)"),
              std::string::npos)
        << e.what();
  }
}

TEST(InitRules, MatrixInitializerOnABiasExplainsHowToNarrowTheRule) {
  testing::TempDir dir;
  try {
    build(dir, "init:\n  - {match: '*.weight', type: xavier_uniform}\n");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("init: `xavier_uniform` needs a tensor of at least 2 dimensions, but "
                                         "`embedding.norm.weight` has shape [16]; narrow the rule"),
              std::string::npos)
        << e.what();
  }
}

TEST(InitRules, UnknownInitializerAndGainNamesSuggest) {
  testing::TempDir dir;
  auto message = [&](const std::string& init) {
    try {
      build(dir, init);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message("init:\n  - {type: xavier_unifrom}\n")
                .find("unknown initializer `xavier_unifrom` (did you mean "
                      "`xavier_uniform`?)"),
            std::string::npos);
  EXPECT_NE(message("init:\n  - {kind: linear, type: xavier_uniform, gain: rellu}\n")
                .find("init.0.gain: unknown nonlinearity `rellu` (did you mean `relu`?)"),
            std::string::npos);
  EXPECT_NE(message("init:\n  - {kind: lienar, type: zeros}\n").find("`lienar` is not one of"), std::string::npos);
}

TEST(InitRules, InitializerPluginLoadsLikeSchedulerPlugins) {
  testing::TempDir dir;
  const std::string yaml =
      testing::write_tiny_experiment(dir, 16,
                                     "plugins: [" + testing::plugin_path("test_initializer_plugin") +
                                         "]\n"
                                         "init:\n  - {match: 'head.weight', type: test_fill, value: 0.125}\n");
  const auto e = build_experiment(load_experiment(yaml));
  EXPECT_TRUE(torch::equal(e.model->named_parameters()["head.weight"], torch::full({2, 16}, 0.125)));
  const auto listed =
      testing::run_attune({"list", "initializers", "--plugin", testing::plugin_path("test_initializer_plugin")});
  EXPECT_NE(listed.out.find("test_fill"), std::string::npos) << listed.out;
}

TEST(InitRules, ReportListsEveryParameterOfTheDemoModel) {
  const auto result =
      testing::run_attune({"check", testing::source_dir() + "/experiments/sst2_transformer.yaml", "--init"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto e = build_experiment(load_experiment(testing::source_dir() + "/experiments/sst2_transformer.yaml"));
  const auto params = e.model->named_parameters();
  ASSERT_GT(params.size(), 10u);
  for (const auto& p : params) {
    EXPECT_NE(result.out.find("# " + p.key() + " "), std::string::npos) << p.key();
  }
  // The demo's rules: xavier on linear weights, zeros on linear biases, the rest default.
  EXPECT_EQ(row(e, "encoder.layers.0.linear1.weight").initializer, "xavier_uniform");
  EXPECT_EQ(row(e, "head.bias").initializer, "zeros");
  EXPECT_EQ(row(e, "embedding.positions.weight").initializer, "default");
}

TEST(InitRules, RunWritesInitReportCsv) {
  testing::TempDir dir;
  const auto result = testing::run_attune({"train",
                                           testing::write_tiny_experiment(dir, 16,
                                                                          "init:\n  - {kind: linear, "
                                                                          "match: '*.weight', type: kaiming_normal}\n"),
                                           "train.epochs=1", "--run-dir", dir.file("run")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string csv = testing::read_text(dir.file("run/init_report.csv"));
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "name,shape,rule,initializer,mean,std,note");
  EXPECT_NE(csv.find("\nencoder.layers.0.linear1.weight,32x16,init[0],kaiming_normal,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nembedding.tokens.weight,30522x16,,default,"), std::string::npos) << csv;
}

}  // namespace init_rules_test
}  // namespace attune
