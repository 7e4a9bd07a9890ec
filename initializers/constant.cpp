// `zeros`, `ones`: fixed values, through torch::nn::init.
#include <torch/nn/init.h>

#include "initializers/initializer.h"

namespace attune {
namespace {

template <int kValue>
class FixedInitializer : public Initializer {
 public:
  using Options = config::NoOptions;
  FixedInitializer(const Options&, const InitializerArgs&) {}
  bool apply(torch::Tensor& param, const ParamInfo&) override {
    if constexpr (kValue == 0) {
      torch::nn::init::zeros_(param);
    } else {
      torch::nn::init::ones_(param);
    }
    return true;
  }
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_INITIALIZER("zeros", attune::FixedInitializer<0>, "all zeros")
ATTUNE_REGISTER_INITIALIZER("ones", attune::FixedInitializer<1>, "all ones")
