#include "losses/loss.h"

ATTUNE_DEFINE_REGISTRY(attune::LossKind)

namespace attune {

torch::Tensor mean_loss(const Loss& loss, const torch::Tensor& outputs, const torch::Tensor& targets) {
  return loss.sum(outputs, targets) / loss.divisor(targets);
}

}  // namespace attune
