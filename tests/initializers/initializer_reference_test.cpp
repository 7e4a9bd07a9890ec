// Each initializer against its closed form and against PyTorch's own result
// on the same shape (reference.json, made by make_reference.py), within
// sampling tolerance; fans and gains exactly as PyTorch computes them.
#include <gtest/gtest.h>
#include <torch/nn/init.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "initializers/gain.h"
#include "initializers/initializer.h"
#include "tests/support/test_support.h"

namespace attune {
namespace initializer_reference_test {

const nlohmann::json& reference() {
  static const auto* json = new nlohmann::json(
      nlohmann::json::parse(testing::read_text(testing::source_dir() + "/tests/initializers/reference.json")));
  return *json;
}

std::shared_ptr<Initializer> make(const std::string& type, const nlohmann::json& options) {
  nlohmann::json node = options;
  node["type"] = type;
  const config::Context ctx("<reference.json>", std::filesystem::current_path());
  return config::Codec<Component<InitializerKind>>::parse(YAML::Load(node.dump()), ctx).create({});
}

struct Stats {
  double mean, std, min, max;
};
Stats stats_of(const torch::Tensor& t) {
  const auto d = t.to(torch::kDouble);
  return {d.mean().item<double>(), d.std().item<double>(), d.min().item<double>(), d.max().item<double>()};
}

double normal_pdf(double x) {
  return std::exp(-x * x / 2) / std::sqrt(2 * M_PI);
}
double normal_cdf(double x) {
  return (1 + std::erf(x / std::sqrt(2.))) / 2;
}

/// The distribution each case should draw from: mean, std and bounds, from
/// the initializer's definition (the papers' formulas), not from attune.
struct Expected {
  double mean, std, low, high;
};
Expected closed_form(const std::string& type, const nlohmann::json& o, int64_t fan_in, int64_t fan_out) {
  const double inf = std::numeric_limits<double>::infinity();
  auto value = [&](const char* key, double fallback) { return o.contains(key) ? o[key].get<double>() : fallback; };
  auto gain = [&]() {
    if (!o.contains("gain")) return 1.0;
    return o["gain"].is_string() ? *calculate_gain(o["gain"].get<std::string>()) : o["gain"].get<double>();
  };
  if (type == "uniform") {
    const double a = value("a", 0), b = value("b", 1);
    return {(a + b) / 2, (b - a) / std::sqrt(12.0), a, b};
  }
  if (type == "normal") return {value("mean", 0), value("std", 1), -inf, inf};
  if (type == "trunc_normal") {
    const double mu = value("mean", 0), sigma = value("std", 1), a = value("a", -2), b = value("b", 2);
    const double alpha = (a - mu) / sigma, beta = (b - mu) / sigma, z = normal_cdf(beta) - normal_cdf(alpha);
    const double shift = (normal_pdf(alpha) - normal_pdf(beta)) / z;
    const double variance = 1 + (alpha * normal_pdf(alpha) - beta * normal_pdf(beta)) / z - shift * shift;
    return {mu + sigma * shift, sigma * std::sqrt(variance), a, b};
  }
  if (type == "xavier_uniform") {
    const double bound = gain() * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
    return {0, bound / std::sqrt(3.0), -bound, bound};
  }
  if (type == "xavier_normal") return {0, gain() * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), -inf, inf};
  if (type == "kaiming_uniform" || type == "kaiming_normal") {
    const double a = value("a", 0);
    const std::string nonlinearity = o.value("nonlinearity", "leaky_relu");
    const double g = nonlinearity == "leaky_relu" ? std::sqrt(2.0 / (1 + a * a)) : *calculate_gain(nonlinearity);
    const double fan = static_cast<double>(o.value("mode", "fan_in") == "fan_in" ? fan_in : fan_out);
    const double std = g / std::sqrt(fan);
    if (type == "kaiming_normal") return {0, std, -inf, inf};
    return {0, std, -std * std::sqrt(3.0), std * std::sqrt(3.0)};
  }
  if (type == "orthogonal") {
    // Orthonormal rows scaled by gain: the squares sum to rows * gain^2.
    return {0, gain() / std::sqrt(static_cast<double>(fan_in)), -inf, inf};
  }
  if (type == "constant") return {value("value", 0), 0, value("value", 0), value("value", 0)};
  throw std::runtime_error("no closed form for " + type);
}

TEST(InitializerReference, FansMatchPyTorchForLayerShapes) {
  for (const auto& [name, fan] : reference().at("fans").items()) {
    const auto [fan_in, fan_out] =
        torch::nn::init::_calculate_fan_in_and_fan_out(torch::empty(fan.at("shape").get<std::vector<int64_t>>()));
    EXPECT_EQ(fan_in, fan.at("fan_in").get<int64_t>()) << name;
    EXPECT_EQ(fan_out, fan.at("fan_out").get<int64_t>()) << name;
  }
}

TEST(InitializerReference, GainsMatchPyTorchsCalculateGain) {
  const auto gains = reference().at("gains");
  for (const auto& name : gain_names()) {
    ASSERT_TRUE(gains.contains(name)) << name;
    EXPECT_DOUBLE_EQ(*calculate_gain(name), gains.at(name).get<double>()) << name;
  }
  EXPECT_DOUBLE_EQ(*calculate_gain("leaky_relu", 0.2), gains.at("leaky_relu_0.2").get<double>());
  EXPECT_FALSE(calculate_gain("relux").has_value());
}

TEST(InitializerReference, StatisticsMatchClosedFormAndPyTorch) {
  for (const auto& c : reference().at("cases")) {
    const std::string type = c.at("type");
    const std::string label = type + " " + c.at("options").dump();
    const auto shape = c.at("shape").get<std::vector<int64_t>>();
    torch::manual_seed(0);
    auto tensor = torch::empty(shape, type == "orthogonal" ? torch::kDouble : torch::kFloat);
    {
      torch::NoGradGuard no_grad;
      make(type, c.at("options"))->apply(tensor, {"weight", "linear", std::nullopt});
    }
    const Stats got = stats_of(tensor);
    const Expected want = closed_form(type, c.at("options"), shape[1], shape[0]);
    const double n = static_cast<double>(tensor.numel());
    const double mean_tolerance = 6 * want.std / std::sqrt(n) + 1e-12;
    const double std_tolerance = 6 * want.std * std::sqrt(2 / n) + 1e-12;
    EXPECT_NEAR(got.mean, want.mean, mean_tolerance) << label;
    EXPECT_NEAR(got.std, want.std, std_tolerance) << label;
    EXPECT_GE(got.min, want.low - 1e-6) << label;
    EXPECT_LE(got.max, want.high + 1e-6) << label;
    // PyTorch's draw on the same shape: the same distribution.
    EXPECT_NEAR(got.mean, c.at("mean").get<double>(), 2 * mean_tolerance) << label;
    EXPECT_NEAR(got.std, c.at("std").get<double>(), 2 * std_tolerance) << label;
    if (std::isfinite(want.low)) {  // bounded: both reach close to the bounds
      EXPECT_NEAR(got.min, c.at("min").get<double>(), (want.high - want.low) * 1e-3 + 1e-9) << label;
      EXPECT_NEAR(got.max, c.at("max").get<double>(), (want.high - want.low) * 1e-3 + 1e-9) << label;
    }
  }
}

TEST(InitializerReference, OrthogonalRowsAreOrthonormalTimesGain) {
  for (const auto& [shape, gain] :
       std::vector<std::pair<std::vector<int64_t>, double>>{{{64, 256}, 1.5}, {{256, 64}, 1.0}, {{48, 48}, 0.5}}) {
    auto w = torch::empty(shape, torch::kDouble);
    torch::NoGradGuard no_grad;
    make("orthogonal", {{"gain", gain}})->apply(w, {"w", "linear", std::nullopt});
    // Wide matrices have orthonormal rows (W W^T), tall ones orthonormal columns (W^T W).
    const auto product = shape[0] <= shape[1] ? w.matmul(w.t()) : w.t().matmul(w);
    const auto identity = torch::eye(product.size(0), torch::kDouble) * gain * gain;
    // LibTorch's orthogonal_ runs its QR in float32 whatever the tensor's dtype.
    EXPECT_TRUE(torch::allclose(product, identity, 0, 1e-5)) << shape[0] << "x" << shape[1];
  }
}

TEST(InitializerReference, SeededRunsReproduce) {
  for (const char* type : {"uniform", "normal", "trunc_normal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                           "kaiming_normal", "orthogonal"}) {
    auto draw = [&] {
      torch::manual_seed(42);
      auto t = torch::empty({32, 16});
      torch::NoGradGuard no_grad;
      make(type, nlohmann::json::object())->apply(t, {"w", "linear", std::nullopt});
      return t;
    };
    EXPECT_TRUE(torch::equal(draw(), draw())) << type;
  }
}

TEST(InitializerReference, BertInitFollowsHuggingFaceConventions) {
  auto init = make("bert", {{"initializer_range", 0.02}});
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  auto weight = torch::empty({512, 768});
  init->apply(weight, {"encoder.layer.0.intermediate.dense.weight", "linear", std::nullopt});
  EXPECT_NEAR(stats_of(weight).std, 0.02, 6 * 0.02 * std::sqrt(2.0 / weight.numel()));
  auto bias = torch::ones({768});
  init->apply(bias, {"encoder.layer.0.intermediate.dense.bias", "linear", std::nullopt});
  EXPECT_EQ(bias.abs().sum().item<double>(), 0.0);
  auto embedding = torch::empty({100, 32});
  init->apply(embedding, {"embeddings.word_embeddings.weight", "embedding", int64_t{0}});
  EXPECT_EQ(embedding[0].abs().sum().item<double>(), 0.0);
  EXPECT_GT(embedding[1].abs().sum().item<double>(), 0.0);
  auto gamma = torch::zeros({32}), beta = torch::ones({32});
  init->apply(gamma, {"embeddings.LayerNorm.weight", "layernorm", std::nullopt});
  init->apply(beta, {"embeddings.LayerNorm.bias", "layernorm", std::nullopt});
  EXPECT_TRUE(torch::equal(gamma, torch::ones({32})));
  EXPECT_TRUE(torch::equal(beta, torch::zeros({32})));
}

}  // namespace initializer_reference_test
}  // namespace attune
