#pragma once

#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

namespace attune {

/// Inverted dropout (Srivastava et al. 2014), as torch.nn.functional.dropout:
/// in training, zero each element with probability p and scale the rest by
/// 1 / (1 - p). On CPU float32 the mask comes from a counter-based hash seeded
/// by LibTorch's generator, in one vectorized pass over all threads
/// (core/kernels/dropout_noise.cpp), instead of bernoulli_'s one locked draw
/// per element; so torch::manual_seed still makes runs repeat. Other devices
/// and dtypes use torch::dropout.
torch::Tensor inverted_dropout(const torch::Tensor& input, double p, bool training);

/// What one CPU float32 dropout call draws: a seed from LibTorch's default
/// generator, and the threshold and scale for kernels::dropout_noise. A fused
/// kernel that draws it at the same point of a step drops the same elements
/// as inverted_dropout on a tensor of the same shape.
struct DropoutDraw {
  uint64_t seed;
  uint32_t threshold;
  float scale;
};
DropoutDraw draw_dropout(double p);

/// Dropout's drop-in (no parameters, so state dicts are unchanged).
class DropoutImpl : public torch::nn::Cloneable<DropoutImpl> {
 public:
  explicit DropoutImpl(double p = 0.5) : p(p) {}
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& input) { return inverted_dropout(input, p, is_training()); }
  void pretty_print(std::ostream& stream) const override { stream << "attune::Dropout(p=" << p << ")"; }

  double p;
};
TORCH_MODULE(Dropout);

}  // namespace attune
