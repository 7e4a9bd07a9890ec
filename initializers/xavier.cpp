// `xavier_uniform`, `xavier_normal`: Glorot & Bengio (2010), through
// torch::nn::init.
#include <torch/nn/init.h>

#include "initializers/gain.h"
#include "initializers/initializer.h"

namespace attune {
namespace {

struct XavierOptions {
  Gain gain;
  static void declare(config::Schema<XavierOptions>& s) {
    s.field("gain", &XavierOptions::gain, "scaling factor: a number or a nonlinearity (`relu`, `tanh`, ...)");
  }
};

template <bool kNormal>
class XavierInitializer : public Initializer {
 public:
  using Options = XavierOptions;
  XavierInitializer(const Options& options, const InitializerArgs&) : options_(options) {}
  bool apply(torch::Tensor& param, const ParamInfo& info) override {
    require_matrix(param, info, kNormal ? "xavier_normal" : "xavier_uniform");
    if constexpr (kNormal) {
      torch::nn::init::xavier_normal_(param, options_.gain.value);
    } else {
      torch::nn::init::xavier_uniform_(param, options_.gain.value);
    }
    return true;
  }

 private:
  Options options_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_INITIALIZER("xavier_uniform", attune::XavierInitializer<false>,
                            "U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))")
ATTUNE_REGISTER_INITIALIZER("xavier_normal", attune::XavierInitializer<true>,
                            "N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))")
