#pragma once

#include <torch/optim/adamw.h>

#include <utility>
#include <vector>

namespace attune {

/// torch::optim::AdamW with its update done in one pass over each parameter
/// (core/kernels/adamw_step.cpp) instead of LibTorch's nine tensor ops, where
/// the parameter is a dense float32 CPU tensor; anything else (CUDA, other
/// dtypes, amsgrad) takes LibTorch's own step. Same options, same state and
/// same checkpoint format as AdamW, and the same arithmetic in float, so a
/// checkpoint moves between the two freely.
class FusedAdamW : public torch::optim::AdamW {
 public:
  using torch::optim::AdamW::AdamW;
  torch::Tensor step(LossClosure closure = nullptr) override;

 private:
  bool fusable() const;
};

}  // namespace attune
