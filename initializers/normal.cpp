// `normal`, `trunc_normal`, `constant`.
#include <torch/nn/init.h>

#include <cmath>

#include "initializers/initializer.h"

namespace attune {
namespace {

struct NormalOptions {
  double mean = 0.0;
  double std = 1.0;
  static void declare(config::Schema<NormalOptions>& s) {
    s.field("mean", &NormalOptions::mean, "mean");
    s.field("std", &NormalOptions::std, "standard deviation").at_least(0);
  }
};

class NormalInitializer : public Initializer {
 public:
  using Options = NormalOptions;
  NormalInitializer(const Options& options, const InitializerArgs&) : options_(options) {}
  bool apply(torch::Tensor& param, const ParamInfo&) override {
    torch::nn::init::normal_(param, options_.mean, options_.std);
    return true;
  }

 private:
  Options options_;
};

struct TruncNormalOptions {
  double mean = 0.0;
  double std = 1.0;
  double a = -2.0;
  double b = 2.0;
  static void declare(config::Schema<TruncNormalOptions>& s) {
    s.field("mean", &TruncNormalOptions::mean, "mean of the normal before truncation");
    s.field("std", &TruncNormalOptions::std, "its standard deviation").greater_than(0);
    s.field("a", &TruncNormalOptions::a, "lowest value");
    s.field("b", &TruncNormalOptions::b, "highest value");
    s.check("b", [](const TruncNormalOptions& o) {
      return o.b > o.a ? std::string() : fmt::format("b ({}) must be greater than a ({})", o.b, o.a);
    });
  }
};

/// LibTorch has no trunc_normal_: this is PyTorch's Python definition
/// (_no_grad_trunc_normal_), inverse-CDF sampling, step for step, so a seeded
/// run draws the same numbers as Python.
class TruncNormalInitializer : public Initializer {
 public:
  using Options = TruncNormalOptions;
  TruncNormalInitializer(const Options& options, const InitializerArgs&) : o_(options) {}
  bool apply(torch::Tensor& param, const ParamInfo&) override {
    auto norm_cdf = [](double x) { return (1. + std::erf(x / std::sqrt(2.))) / 2.; };
    const double l = norm_cdf((o_.a - o_.mean) / o_.std);
    const double u = norm_cdf((o_.b - o_.mean) / o_.std);
    param.uniform_(2 * l - 1, 2 * u - 1);
    param.erfinv_();
    param.mul_(o_.std * std::sqrt(2.));
    param.add_(o_.mean);
    param.clamp_(o_.a, o_.b);
    return true;
  }

 private:
  Options o_;
};

struct ConstantOptions {
  double value = 0.0;
  static void declare(config::Schema<ConstantOptions>& s) {
    s.field("value", &ConstantOptions::value, "the value of every element").required();
  }
};

class ConstantInitializer : public Initializer {
 public:
  using Options = ConstantOptions;
  ConstantInitializer(const Options& options, const InitializerArgs&) : value_(options.value) {}
  bool apply(torch::Tensor& param, const ParamInfo&) override {
    torch::nn::init::constant_(param, value_);
    return true;
  }

 private:
  double value_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_INITIALIZER("normal", attune::NormalInitializer, "N(mean, std^2)")
ATTUNE_REGISTER_INITIALIZER("trunc_normal", attune::TruncNormalInitializer,
                            "N(mean, std^2) truncated to [a, b], as PyTorch's trunc_normal_")
ATTUNE_REGISTER_INITIALIZER("constant", attune::ConstantInitializer, "every element = value")
