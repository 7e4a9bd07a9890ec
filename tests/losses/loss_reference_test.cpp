// Every built-in loss against torch.nn.functional's (python3-torch, the same
// PyTorch version) on seeded random cases: the mean (reduction='mean', class
// weights and label smoothing included) and its gradient, within 1e-6. The
// mean is attune's sum divided by its divisor, as training and evaluation
// take it, so this also checks the split a data-parallel step relies on.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "core/io/tensor_json.h"
#include "losses/loss.h"
#include "tests/support/test_support.h"

namespace attune {
namespace loss_reference_test {

struct Case {
  torch::Tensor outputs;
  torch::Tensor targets;
  int64_t num_classes = 0;
  nlohmann::json loss;
};

std::shared_ptr<Loss> make(const nlohmann::json& spec, int64_t num_classes) {
  const config::Context ctx("<loss case>", std::filesystem::current_path());
  return config::Codec<Component<LossKind>>::parse(YAML::Load(spec.dump()), ctx).create({num_classes});
}

std::vector<Case> cases() {
  std::mt19937 rng(20261202);
  std::normal_distribution<float> noise(0.0f, 2.0f);
  std::uniform_real_distribution<double> weight(0.1, 3.0);
  std::vector<Case> all;
  for (int64_t classes : {2, 3, 7}) {
    for (int64_t n : {1, 5, 64}) {
      for (double smoothing : {0.0, 0.1, 0.45}) {
        for (bool weighted : {false, true}) {
          Case c;
          c.num_classes = classes;
          c.outputs = torch::empty({n, classes});
          c.targets = torch::empty({n}, torch::kLong);
          std::uniform_int_distribution<int64_t> label(0, classes - 1);
          for (int64_t i = 0; i < n; ++i) {
            c.targets[i] = label(rng);
            for (int64_t k = 0; k < classes; ++k) c.outputs[i][k] = noise(rng);
          }
          c.loss = {{"type", "cross_entropy"}, {"label_smoothing", smoothing}};
          if (weighted) {
            std::vector<double> weights;
            for (int64_t k = 0; k < classes; ++k) weights.push_back(weight(rng));
            c.loss["weights"] = weights;
          }
          all.push_back(c);
        }
      }
    }
  }
  for (int64_t n : {1, 9, 100}) {
    for (const nlohmann::json& spec : {nlohmann::json{{"type", "mse"}}, nlohmann::json{{"type", "huber"}},
                                       nlohmann::json{{"type", "huber"}, {"delta", 0.3}}}) {
      Case c;
      c.outputs = torch::empty({n, 1});
      c.targets = torch::empty({n});
      for (int64_t i = 0; i < n; ++i) {
        c.outputs[i][0] = noise(rng);
        c.targets[i] = noise(rng);  // |difference| on both sides of every delta
      }
      c.loss = spec;
      all.push_back(c);
    }
  }
  return all;
}

TEST(LossReference, EveryLossAndItsGradientEqualTorchFunctional) {
  const auto all = cases();
  nlohmann::json written = nlohmann::json::array();
  for (const auto& c : all) {
    written.push_back(
        {{"outputs", tensor_to_json(c.outputs)}, {"targets", tensor_to_json(c.targets)}, {"loss", c.loss}});
  }
  const auto expected = testing::python_reference("loss_reference.py", written);
  ASSERT_EQ(expected.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& c = all[i];
    const auto loss = make(c.loss, c.num_classes);
    auto outputs = c.outputs.clone().requires_grad_(true);
    const torch::Tensor mean = mean_loss(*loss, outputs, c.targets);
    mean.backward();
    const auto& reference = expected[i];
    EXPECT_NEAR(mean.item<double>(), reference.at("loss").get<double>(), 1e-6)
        << c.loss.dump() << " n=" << c.targets.size(0);
    const auto grad = outputs.grad().reshape({-1});
    const auto reference_grad = reference.at("grad").get<std::vector<double>>();
    ASSERT_EQ(grad.size(0), static_cast<int64_t>(reference_grad.size()));
    for (size_t k = 0; k < reference_grad.size(); ++k) {
      EXPECT_NEAR(grad[static_cast<int64_t>(k)].item<double>(), reference_grad[k], 1e-6) << c.loss.dump();
    }
  }
}

TEST(LossReference, WeightsOfAnotherNumberOfClassesAreRefused) {
  try {
    make({{"type", "cross_entropy"}, {"weights", {1.0, 2.0}}}, 3);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("has 2 weights but the data has 3 classes"), std::string::npos) << e.what();
  }
}

TEST(LossReference, EveryLossIsListed) {
  const auto result = testing::run_attune({"list", "losses"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* name : {"cross_entropy", "mse", "huber"}) {
    EXPECT_NE(result.out.find(name), std::string::npos) << name << "\n" << result.out;
  }
}

}  // namespace loss_reference_test
}  // namespace attune
