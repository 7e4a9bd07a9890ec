#pragma once
// Gradient clipping that leaves the norm on the gradients' device.
#include <torch/types.h>

#include <vector>

namespace attune {

/// The gradients' global L2 norm, as a tensor on their device, after scaling
/// them down so that it is at most `max_norm` (infinity: no clipping). The
/// operations of torch::nn::utils::clip_grad_norm_ (so the same numbers),
/// without its read of the norm to the host, which waits for the device to
/// finish the step. No gradients: a zero norm.
torch::Tensor clip_grad_norm(const std::vector<torch::Tensor>& parameters, double max_norm);

}  // namespace attune
