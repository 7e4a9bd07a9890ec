// Regression losses on one output per example, as torch.nn.functional's
// mse_loss and huber_loss compute them.
#include <fmt/ranges.h>
#include <torch/nn/functional/loss.h>

#include "core/config/schema.h"
#include "losses/loss.h"

namespace attune {
namespace {

/// The outputs as one value per example, in float32, beside float targets.
torch::Tensor values(const torch::Tensor& outputs, const torch::Tensor& targets) {
  const torch::Tensor flat = outputs.dim() == 2 && outputs.size(1) == 1 ? outputs.squeeze(1) : outputs;
  if (flat.dim() != 1 || flat.size(0) != targets.size(0)) {
    input_error("a regression loss needs one output per example; the model gives {}", fmt::join(outputs.sizes(), "x"));
  }
  return flat;
}

struct NoLossOptions {
  static void declare(config::Schema<NoLossOptions>&) {}
};

class MeanSquaredError : public Loss {
 public:
  using Options = NoLossOptions;
  MeanSquaredError(const Options&, const LossArgs&) {}
  torch::Tensor sum(const torch::Tensor& outputs, const torch::Tensor& targets) const override {
    namespace F = torch::nn::functional;
    return F::mse_loss(values(outputs, targets), targets.to(outputs.dtype()), F::MSELossFuncOptions(torch::kSum));
  }
  Task task() const override { return Task::regression; }
};

struct HuberOptions {
  double delta = 1.0;
  static void declare(config::Schema<HuberOptions>& s) {
    s.field("delta", &HuberOptions::delta, "where the loss turns from quadratic to linear").greater_than(0);
  }
};

class Huber : public Loss {
 public:
  using Options = HuberOptions;
  Huber(const Options& options, const LossArgs&) : delta_(options.delta) {}
  torch::Tensor sum(const torch::Tensor& outputs, const torch::Tensor& targets) const override {
    namespace F = torch::nn::functional;
    return F::huber_loss(values(outputs, targets), targets.to(outputs.dtype()),
                         F::HuberLossFuncOptions().reduction(torch::kSum).delta(delta_));
  }
  Task task() const override { return Task::regression; }

 private:
  double delta_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_LOSS("mse", attune::MeanSquaredError, "mean squared error of one output per example (regression)")
ATTUNE_REGISTER_LOSS("huber", attune::Huber, "Huber loss with `delta` (regression), as torch's F.huber_loss")
