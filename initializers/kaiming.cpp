// `kaiming_uniform`, `kaiming_normal`: He et al. (2015), through torch::nn::init.
#include <torch/nn/init.h>

#include "initializers/initializer.h"

namespace attune {
namespace {

struct KaimingOptions {
  double a = 0.0;
  std::string mode = "fan_in";
  std::string nonlinearity = "leaky_relu";
  static void declare(config::Schema<KaimingOptions>& s) {
    s.field("a", &KaimingOptions::a, "negative slope of the rectifier after this layer (leaky_relu)").at_least(0);
    s.field("mode", &KaimingOptions::mode, "preserve the variance of the forward (`fan_in`) or backward pass")
        .one_of({"fan_in", "fan_out"});
    s.field("nonlinearity", &KaimingOptions::nonlinearity, "the nonlinearity after this layer")
        .one_of({"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                 "sigmoid", "tanh", "relu", "leaky_relu"});
  }
};

torch::nn::init::NonlinearityType nonlinearity(const std::string& name) {
  if (name == "linear") return torch::kLinear;
  if (name == "conv1d") return torch::kConv1D;
  if (name == "conv2d") return torch::kConv2D;
  if (name == "conv3d") return torch::kConv3D;
  if (name == "conv_transpose1d") return torch::kConvTranspose1D;
  if (name == "conv_transpose2d") return torch::kConvTranspose2D;
  if (name == "conv_transpose3d") return torch::kConvTranspose3D;
  if (name == "sigmoid") return torch::kSigmoid;
  if (name == "tanh") return torch::kTanh;
  if (name == "relu") return torch::kReLU;
  return torch::kLeakyReLU;
}

template <bool kNormal>
class KaimingInitializer : public Initializer {
 public:
  using Options = KaimingOptions;
  KaimingInitializer(const Options& options, const InitializerArgs&) : options_(options) {}
  bool apply(torch::Tensor& param, const ParamInfo& info) override {
    require_matrix(param, info, kNormal ? "kaiming_normal" : "kaiming_uniform");
    const torch::nn::init::FanModeType mode =
        options_.mode == "fan_out" ? torch::nn::init::FanModeType(torch::kFanOut) : torch::kFanIn;
    if constexpr (kNormal) {
      torch::nn::init::kaiming_normal_(param, options_.a, mode, nonlinearity(options_.nonlinearity));
    } else {
      torch::nn::init::kaiming_uniform_(param, options_.a, mode, nonlinearity(options_.nonlinearity));
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
