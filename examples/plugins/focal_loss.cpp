// An example loss plugin: the focal loss of Lin et al. (2017), cross-entropy
// with each example's term scaled by (1 - p_target)^gamma, so that examples
// the model already gets right count less. With gamma 0 it is cross-entropy.
#include <torch/nn/functional/activation.h>

#include "core/config/schema.h"
#include "losses/loss.h"

struct FocalOptions {
  double gamma = 2.0;
  static void declare(attune::config::Schema<FocalOptions>& s) {
    s.field("gamma", &FocalOptions::gamma, "focusing exponent (0 = cross-entropy)").at_least(0);
  }
};

class FocalLoss : public attune::Loss {
 public:
  using Options = FocalOptions;
  FocalLoss(const Options& options, const attune::LossArgs&) : gamma_(options.gamma) {}

  // Summed over the examples; attune divides by their number (divisor()).
  torch::Tensor sum(const torch::Tensor& logits, const torch::Tensor& targets) const override {
    const torch::Tensor log_p = torch::log_softmax(logits, 1).gather(1, targets.unsqueeze(1)).squeeze(1);
    return (-(1 - log_p.exp()).pow(gamma_) * log_p).sum();
  }
  attune::Task task() const override { return attune::Task::classification; }

 private:
  double gamma_;
};

ATTUNE_REGISTER_LOSS("focal", FocalLoss, "focal loss (Lin et al. 2017) with `gamma` (example plugin)")
