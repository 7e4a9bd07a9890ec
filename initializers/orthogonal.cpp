// `orthogonal` (Saxe et al. 2013) and `eye`, through torch::nn::init.
#include <torch/nn/init.h>

#include "initializers/gain.h"
#include "initializers/initializer.h"

namespace attune {
namespace {

struct OrthogonalOptions {
  Gain gain;
  static void declare(config::Schema<OrthogonalOptions>& s) {
    s.field("gain", &OrthogonalOptions::gain, "scaling factor: a number or a nonlinearity");
  }
};

class OrthogonalInitializer : public Initializer {
 public:
  using Options = OrthogonalOptions;
  OrthogonalInitializer(const Options& options, const InitializerArgs&) : gain_(options.gain.value) {}
  bool apply(torch::Tensor& param, const ParamInfo& info) override {
    require_matrix(param, info, "orthogonal");
    torch::nn::init::orthogonal_(param, gain_);
    return true;
  }

 private:
  double gain_;
};

class EyeInitializer : public Initializer {
 public:
  using Options = config::NoOptions;
  EyeInitializer(const Options&, const InitializerArgs&) {}
  bool apply(torch::Tensor& param, const ParamInfo& info) override {
    if (param.dim() != 2) {
      input_error("init: `eye` needs a matrix, but `{}` has {} dimension(s)", info.name, param.dim());
    }
    torch::nn::init::eye_(param);
    return true;
  }
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_INITIALIZER("orthogonal", attune::OrthogonalInitializer, "a (semi-)orthogonal matrix times gain")
ATTUNE_REGISTER_INITIALIZER("eye", attune::EyeInitializer, "the identity matrix (2-D parameters)")
