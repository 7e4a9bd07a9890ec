// Every registered metric against scikit-learn's and SciPy's on the same
// predictions (tests/python/metric_reference.py): many seeded random cases
// and the degenerate ones (one class only, a class that never occurs, one
// example, ties, constant outputs).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "core/io/tensor_json.h"
#include "metrics/metric.h"
#include "tests/support/test_support.h"

namespace attune {
namespace metric_reference_test {

struct Case {
  torch::Tensor logits;  // [N, classes] or [N]
  torch::Tensor targets;
  int64_t num_classes = 0;
  std::vector<nlohmann::json> metrics;
};

std::shared_ptr<Metric> make(const nlohmann::json& spec, int64_t num_classes) {
  const config::Context ctx("<metric case>", std::filesystem::current_path());
  return config::Codec<Component<MetricKind>>::parse(YAML::Load(spec.dump()), ctx).create({num_classes});
}

std::vector<nlohmann::json> classification_metrics(int64_t classes) {
  std::vector<nlohmann::json> specs = {{{"type", "accuracy"}}, {{"type", "mcc"}}};
  for (const char* score : {"precision", "recall", "f1"}) {
    for (const char* average : {"macro", "micro", "weighted"}) specs.push_back({{"type", score}, {"average", average}});
    if (classes == 2) {
      specs.push_back({{"type", score}, {"average", "binary"}});
      specs.push_back({{"type", score}, {"average", "binary"}, {"pos_label", 0}});
    }
  }
  return specs;
}

// Targets drawn from `target_classes` of `classes`; logits that favour the
// target with probability `skill` (and are sometimes all equal: argmax ties).
Case classification_case(std::mt19937& rng, int64_t n, int64_t classes, int64_t target_classes, double skill) {
  std::uniform_int_distribution<int64_t> label(0, target_classes - 1);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::bernoulli_distribution right(skill), tie(0.05);
  Case c;
  c.num_classes = classes;
  c.logits = torch::empty({n, classes});
  c.targets = torch::empty({n}, torch::kLong);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = label(rng);
    c.targets[i] = t;
    const bool all_equal = tie(rng);
    for (int64_t k = 0; k < classes; ++k) c.logits[i][k] = all_equal ? 0.0f : noise(rng);
    if (!all_equal && right(rng)) c.logits[i][t] = 5.0f;
  }
  c.metrics = classification_metrics(classes);
  return c;
}

Case regression_case(std::mt19937& rng, int64_t n, int values, bool constant_outputs) {
  std::uniform_int_distribution<int> level(0, values - 1);  // few levels: ties
  std::normal_distribution<double> noise(0.0, 1.0);
  Case c;
  c.logits = torch::empty({n}, torch::kDouble);
  c.targets = torch::empty({n}, torch::kDouble);
  for (int64_t i = 0; i < n; ++i) {
    const double target = level(rng);
    c.targets[i] = target;
    c.logits[i] = constant_outputs ? 1.5 : std::round((target + noise(rng)) * 2) / 2;
  }
  c.metrics = {{{"type", "pearson"}}, {{"type", "spearman"}}};
  return c;
}

std::vector<Case> cases() {
  std::mt19937 rng(20261202);
  std::vector<Case> all;
  for (int64_t classes : {2, 3, 5}) {
    for (int64_t n : {1, 2, 7, 60, 400}) {
      for (double skill : {0.0, 0.5, 0.9, 1.0}) all.push_back(classification_case(rng, n, classes, classes, skill));
    }
    // A class that never occurs among the targets (and rarely among the predictions).
    for (int64_t n : {5, 80}) all.push_back(classification_case(rng, n, classes + 1, classes, 0.7));
    // One class only.
    all.push_back(classification_case(rng, 30, classes, 1, 0.6));
    all.push_back(classification_case(rng, 30, classes, 1, 1.0));
  }
  for (int64_t n : {1, 2, 3, 10, 200}) {
    for (int values : {2, 4, 50}) all.push_back(regression_case(rng, n, values, false));
  }
  all.push_back(regression_case(rng, 20, 5, true));  // constant outputs: NaN
  return all;
}

TEST(MetricReference, EveryMetricEqualsScikitLearnAndScipy) {
  const auto all = cases();
  nlohmann::json written = nlohmann::json::array();
  for (const auto& c : all) {
    written.push_back(
        {{"logits", tensor_to_json(c.logits)}, {"targets", tensor_to_json(c.targets)}, {"metrics", c.metrics}});
  }
  const auto expected = testing::python_reference("metric_reference.py", written);
  size_t at = 0, nan_cases = 0;
  for (const auto& c : all) {
    for (const auto& spec : c.metrics) {
      ASSERT_LT(at, expected.size());
      const double value = make(spec, c.num_classes)->compute({c.logits, c.targets});
      const auto& reference = expected[at++];
      if (reference.is_null()) {
        EXPECT_TRUE(std::isnan(value)) << spec.dump() << " of case with " << c.targets.size(0) << " examples";
        ++nan_cases;
      } else {
        EXPECT_NEAR(value, reference.get<double>(), 1e-12)
            << spec.dump() << " of case with " << c.targets.size(0) << " examples, " << c.num_classes << " classes";
      }
    }
  }
  EXPECT_EQ(at, expected.size());
  EXPECT_GT(at, 700u);
  EXPECT_GT(nan_cases, 0u);  // the degenerate regressions were among them
}

TEST(MetricReference, BinaryAveragingOfManyClassesIsRefused) {
  try {
    make({{"type", "f1"}}, 3);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("average: binary scores two classes; this data has 3"), std::string::npos)
        << e.what();
  }
}

TEST(MetricReference, EveryMetricIsListed) {
  const auto result = testing::run_attune({"list", "metrics"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* name : {"accuracy", "f1", "precision", "recall", "mcc", "pearson", "spearman"}) {
    EXPECT_NE(result.out.find(name), std::string::npos) << name << "\n" << result.out;
  }
}

}  // namespace metric_reference_test
}  // namespace attune
