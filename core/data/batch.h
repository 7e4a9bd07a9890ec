#pragma once

#include <torch/types.h>

namespace attune {

/// One batch as models consume it. Text batches fill input_ids,
/// attention_mask (1 = real token, 0 = padding) and token_type_ids; image
/// batches fill pixels. Unused tensors stay undefined.
struct Batch {
  torch::Tensor input_ids;       // [B, L] int64
  torch::Tensor attention_mask;  // [B, L] int64
  torch::Tensor token_type_ids;  // [B, L] int64
  torch::Tensor pixels;          // [B, C, H, W] float
  torch::Tensor labels;          // [B] int64 class ids, or float32 targets of a regression

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }

  /// The batch on `device`. For CUDA the host tensors are pinned first, so
  /// that the copies are asynchronous (non_blocking) and overlap the step.
  Batch to(const torch::Device& device) const {
    if (device.is_cpu()) return *this;
    const bool pin = device.is_cuda();
    auto move = [&](const torch::Tensor& t) {
      if (!t.defined()) return t;
      return (pin && t.is_cpu() ? t.pin_memory() : t).to(device, /*non_blocking=*/true);
    };
    return {move(input_ids), move(attention_mask), move(token_type_ids), move(pixels), move(labels)};
  }
};

}  // namespace attune
