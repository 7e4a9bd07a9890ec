// `uniform`: torch::nn::init::uniform_(a, b).
#include <torch/nn/init.h>

#include "initializers/initializer.h"

namespace attune {
namespace {

struct UniformOptions {
  double a = 0.0;
  double b = 1.0;
  static void declare(config::Schema<UniformOptions>& s) {
    s.field("a", &UniformOptions::a, "lower bound");
    s.field("b", &UniformOptions::b, "upper bound");
    s.check("b", [](const UniformOptions& o) {
      return o.b > o.a ? std::string() : fmt::format("b ({}) must be greater than a ({})", o.b, o.a);
    });
  }
};

class UniformInitializer : public Initializer {
 public:
  using Options = UniformOptions;
  UniformInitializer(const Options& options, const InitializerArgs&) : options_(options) {}
  bool apply(torch::Tensor& param, const ParamInfo&) override {
    torch::nn::init::uniform_(param, options_.a, options_.b);
    return true;
  }

 private:
  Options options_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_INITIALIZER("uniform", attune::UniformInitializer, "U(a, b)")
