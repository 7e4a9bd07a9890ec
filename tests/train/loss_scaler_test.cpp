// precision: fp16's loss scaler. Replayed on seeded sequences of finite and
// non-finite gradients, its decisions (step or skip), its scale and growth
// tracker, the unscaled gradients and its state_dict equal those of PyTorch's
// own GradScaler class run on the same gradients (tests/python/
// grad_scaler_reference.py), for GradScaler's defaults and for settings that
// make it grow, back off by odd factors and meet float32's ceiling.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "core/train/loss_scaler.h"
#include "tests/support/test_support.h"

namespace attune {
namespace loss_scaler_test {

// JSON has no NaN or Inf: they travel as strings, as Python's str() writes them.
nlohmann::json number_json(float value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

float json_number(const nlohmann::json& value) {
  return value.is_string() ? std::stof(value.get<std::string>()) : value.get<float>();
}

struct Case {
  LossScalerOptions options;
  double nonfinite_share;  // of the steps
};

TEST(LossScaler, DecisionsEqualPyTorchsGradScalerOnTheSameGradients) {
  const std::vector<Case> cases = {
      {{}, 0.1},                         // GradScaler's defaults
      {{1.0, 2.0, 0.5, 1}, 0.2},         // grows after every finite step
      {{1024.0, 4.0, 0.25, 3}, 0.3},     // grows after three
      {{3e38, 2.0, 0.5, 1}, 0.05},       // growth would overflow float32: held
      {{1e-3, 1.5, 0.9, 2}, 0.25},       // factors that round in float32
      {{65536.0, 2.0, 0.5, 2000}, 0.0},  // never skips
      {{65536.0, 2.0, 0.5, 4}, 1.0},     // always skips
  };
  struct Seen {
    bool stepped;
    float scale;
    int32_t tracker;
    std::vector<torch::Tensor> unscaled;
  };
  std::vector<std::vector<Seen>> seen(cases.size());
  std::vector<LossScaler> scalers;
  nlohmann::json specs = nlohmann::json::array();
  std::mt19937_64 random(20261202);
  for (size_t c = 0; c < cases.size(); ++c) {
    const Case& test = cases[c];
    std::bernoulli_distribution nonfinite(test.nonfinite_share);
    std::uniform_int_distribution<int> kind(0, 2), position(0, 6);
    std::normal_distribution<float> value(0.0F, 1000.0F);
    LossScaler scaler(test.options);
    nlohmann::json steps = nlohmann::json::array();
    for (int step = 0; step < 80; ++step) {
      std::vector<torch::Tensor> gradients = {torch::empty({3}), torch::empty({4})};
      nlohmann::json step_json = nlohmann::json::array();
      const bool bad = nonfinite(random);
      const int bad_at = position(random);
      const float bad_value = std::array<float, 3>{NAN, INFINITY, -INFINITY}[static_cast<size_t>(kind(random))];
      int element = 0;
      for (auto& gradient : gradients) {
        nlohmann::json values = nlohmann::json::array();
        for (int64_t i = 0; i < gradient.numel(); ++i, ++element) {
          const float v = bad && element == bad_at ? bad_value : value(random);
          gradient[i] = v;
          values.push_back(number_json(v));
        }
        step_json.push_back(values);
      }
      steps.push_back(step_json);
      const bool found = scaler.unscale(gradients);
      scaler.update(found);
      seen[c].push_back({!found, scaler.scale(), scaler.growth_tracker(), gradients});
    }
    scalers.push_back(scaler);
    const auto& o = test.options;
    specs.push_back({{"options",
                      {{"init_scale", o.init_scale},
                       {"growth_factor", o.growth_factor},
                       {"backoff_factor", o.backoff_factor},
                       {"growth_interval", o.growth_interval}}},
                     {"steps", steps}});
  }
  const auto reference = testing::python_reference("grad_scaler_reference.py", specs);
  ASSERT_EQ(reference.size(), cases.size());
  for (size_t c = 0; c < cases.size(); ++c) {
    const auto& expected = reference[c].at("steps");
    ASSERT_EQ(expected.size(), seen[c].size());
    int skipped = 0;
    for (size_t s = 0; s < seen[c].size(); ++s) {
      const auto& e = expected[s];
      const Seen& ours = seen[c][s];
      SCOPED_TRACE(::testing::Message() << "case " << c << " step " << s);
      EXPECT_EQ(ours.stepped, e.at("stepped").get<bool>());
      EXPECT_EQ(ours.scale, e.at("scale").get<float>());  // bit for bit
      EXPECT_EQ(ours.tracker, e.at("growth_tracker").get<int32_t>());
      for (size_t g = 0; g < ours.unscaled.size(); ++g) {
        const auto& values = e.at("unscaled").at(g);
        for (int64_t i = 0; i < ours.unscaled[g].numel(); ++i) {
          const float mine = ours.unscaled[g][i].item<float>();
          const float theirs = json_number(values.at(static_cast<size_t>(i)));
          if (std::isnan(theirs)) {
            EXPECT_TRUE(std::isnan(mine));
          } else {
            EXPECT_EQ(mine, theirs);
          }
        }
      }
      skipped += ours.stepped ? 0 : 1;
    }
    // The cases do what they are for: skips where some gradient was not finite.
    const double share = cases[c].nonfinite_share;
    if (share == 0.0) EXPECT_EQ(skipped, 0);
    if (share == 1.0) EXPECT_EQ(skipped, 80);
    if (share > 0.0 && share < 1.0) EXPECT_GT(skipped, 0);
    const auto& state = reference[c].at("state");
    const auto mine = scalers[c].state();
    EXPECT_EQ(mine.at("scale").get<float>(), state.at("scale").get<float>());
    EXPECT_EQ(mine.at("_growth_tracker").get<int32_t>(), state.at("_growth_tracker").get<int32_t>());
    EXPECT_EQ(mine.at("growth_factor").get<double>(), state.at("growth_factor").get<double>());
    EXPECT_EQ(mine.at("backoff_factor").get<double>(), state.at("backoff_factor").get<double>());
    EXPECT_EQ(mine.at("growth_interval").get<int64_t>(), state.at("growth_interval").get<int64_t>());
  }
  // float32's ceiling: the scale of case 3 never grew past its start.
  EXPECT_EQ(scalers[3].scale(), static_cast<float>(3e38));
}

TEST(LossScaler, StateRoundTripsThroughACheckpoint) {
  LossScaler scaler({1024.0, 2.0, 0.5, 3});
  for (const bool found : {false, false, true, false, false}) scaler.update(found);
  LossScaler restored;
  restored.load_state(nlohmann::json::parse(scaler.state().dump()));
  EXPECT_EQ(restored.state(), scaler.state());
  // And it goes on deciding as the original does.
  for (const bool found : {false, true, false, false, false, false}) {
    scaler.update(found);
    restored.update(found);
    EXPECT_EQ(restored.scale(), scaler.scale());
    EXPECT_EQ(restored.growth_tracker(), scaler.growth_tracker());
  }
}

}  // namespace loss_scaler_test
}  // namespace attune
