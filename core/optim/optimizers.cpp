// The optimizers LibTorch ships, registered by name with PyTorch's option
// names and defaults.
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include "core/optim/fused_adamw.h"
#include "core/optim/optimizer_factory.h"

ATTUNE_DEFINE_REGISTRY(attune::OptimizerKind)

namespace attune {
namespace {

std::string check_betas(const std::vector<double>& betas) {
  if (betas.size() != 2) return fmt::format("expected two betas [beta1, beta2], got {}", betas.size());
  for (double beta : betas) {
    if (beta < 0 || beta >= 1) return fmt::format("each beta must be in [0, 1), got {}", beta);
  }
  return "";
}

struct Sgd {
  struct Options {
    double lr = 0.01;
    double momentum = 0.0;
    double dampening = 0.0;
    double weight_decay = 0.0;
    bool nesterov = false;
    static void declare(config::Schema<Options>& s) {
      s.field("lr", &Options::lr, "learning rate").greater_than(0);
      s.field("momentum", &Options::momentum, "momentum factor").at_least(0);
      s.field("dampening", &Options::dampening, "dampening for momentum").at_least(0);
      s.field("weight_decay", &Options::weight_decay, "L2 penalty").at_least(0);
      s.field("nesterov", &Options::nesterov, "Nesterov momentum (needs momentum > 0, dampening 0)");
      s.check("nesterov", [](const Options& o) -> std::string {
        return o.nesterov && (o.momentum <= 0 || o.dampening != 0) ? "nesterov needs momentum > 0 and dampening 0" : "";
      });
    }
  };
  static std::shared_ptr<torch::optim::Optimizer> create(const Options& o, const OptimizerArgs& args) {
    torch::optim::SGDOptions defaults(o.lr);
    defaults.momentum(o.momentum).dampening(o.dampening).weight_decay(o.weight_decay).nesterov(o.nesterov);
    return make_torch_optimizer<torch::optim::SGD>(defaults, args);
  }
};

template <bool kDecoupled>
struct AdamFamily {
  struct Options {
    double lr = 1e-3;
    std::vector<double> betas = {0.9, 0.999};
    double eps = 1e-8;
    double weight_decay = kDecoupled ? 1e-2 : 0.0;
    bool amsgrad = false;
    static void declare(config::Schema<Options>& s) {
      s.field("lr", &Options::lr, "learning rate").greater_than(0);
      s.field("betas", &Options::betas, "decay rates of the first and second moment estimates");
      s.field("eps", &Options::eps, "term added to the denominator").greater_than(0);
      s.field("weight_decay", &Options::weight_decay, kDecoupled ? "decoupled weight decay" : "L2 penalty").at_least(0);
      s.field("amsgrad", &Options::amsgrad, "use the AMSGrad variant");
      s.check("betas", [](const Options& o) { return check_betas(o.betas); });
    }
  };
  static std::shared_ptr<torch::optim::Optimizer> create(const Options& o, const OptimizerArgs& args) {
    using TorchOptions = std::conditional_t<kDecoupled, torch::optim::AdamWOptions, torch::optim::AdamOptions>;
    using TorchOptimizer = std::conditional_t<kDecoupled, FusedAdamW, torch::optim::Adam>;
    TorchOptions defaults(o.lr);
    defaults.betas({o.betas[0], o.betas[1]}).eps(o.eps).weight_decay(o.weight_decay).amsgrad(o.amsgrad);
    return make_torch_optimizer<TorchOptimizer>(defaults, args);
  }
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_OPTIMIZER("sgd", attune::Sgd, "stochastic gradient descent, with momentum and Nesterov")
ATTUNE_REGISTER_OPTIMIZER("adam", attune::AdamFamily<false>, "Adam (Kingma & Ba 2015)")
ATTUNE_REGISTER_OPTIMIZER("adamw", attune::AdamFamily<true>,
                          "AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019)")
