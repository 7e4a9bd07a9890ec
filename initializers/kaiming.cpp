// `kaiming_uniform`, `kaiming_normal`: He et al. (2015), through torch::nn::init.
#include <torch/nn/init.h>

#include "initializers/gain.h"
#include "initializers/initializer.h"

namespace attune {
namespace {

/// Whose variance the initialization preserves: the forward pass's or the backward pass's.
enum class FanMode { fan_in, fan_out };
const config::EnumNames<FanMode>& enum_names(FanMode) {
  static const config::EnumNames<FanMode> names = {{FanMode::fan_in, "fan_in"}, {FanMode::fan_out, "fan_out"}};
  return names;
}

struct KaimingOptions {
  double a = 0.0;
  FanMode mode = FanMode::fan_in;
  Nonlinearity nonlinearity = Nonlinearity::leaky_relu;
  static void declare(config::Schema<KaimingOptions>& s) {
    s.field("a", &KaimingOptions::a, "negative slope of the rectifier after this layer (leaky_relu)").at_least(0);
    s.field("mode", &KaimingOptions::mode, "preserve the variance of the forward (`fan_in`) or backward pass");
    s.field("nonlinearity", &KaimingOptions::nonlinearity,
            "the nonlinearity after this layer (any of gain's but selu)");
    // LibTorch's Kaiming initializers take every nonlinearity calculate_gain knows but selu.
    s.check("nonlinearity", [](const KaimingOptions& o) -> std::string {
      return !torch_nonlinearity(o.nonlinearity)
                 ? "`selu` is not a nonlinearity LibTorch's kaiming initializers take; use `gain` with an initializer "
                   "such as xavier_normal, or another nonlinearity"
                 : "";
    });
  }
};

torch::nn::init::FanModeType fan_mode(FanMode mode) {
  switch (mode) {
    case FanMode::fan_in:
      return torch::kFanIn;
    case FanMode::fan_out:
      return torch::kFanOut;
  }
  return torch::kFanIn;
}

template <bool kNormal>
class KaimingInitializer : public Initializer {
 public:
  using Options = KaimingOptions;
  KaimingInitializer(const Options& options, const InitializerArgs&) : options_(options) {}
  bool apply(torch::Tensor& param, const ParamInfo& info) override {
    require_matrix(param, info, kNormal ? "kaiming_normal" : "kaiming_uniform");
    const torch::nn::init::FanModeType mode = fan_mode(options_.mode);
    if constexpr (kNormal) {
      torch::nn::init::kaiming_normal_(param, options_.a, mode, *torch_nonlinearity(options_.nonlinearity));
    } else {
      torch::nn::init::kaiming_uniform_(param, options_.a, mode, *torch_nonlinearity(options_.nonlinearity));
    }
    return true;
  }

 private:
  Options options_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_INITIALIZER("kaiming_uniform", attune::KaimingInitializer<false>, "U(-b, b), b = gain * sqrt(3 / fan)")
ATTUNE_REGISTER_INITIALIZER("kaiming_normal", attune::KaimingInitializer<true>, "N(0, std^2), std = gain / sqrt(fan)")
