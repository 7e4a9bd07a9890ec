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
  torch::Tensor labels;          // [B] int64

  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }

  /// The batch on `device` (non_blocking where the source is pinned).
  Batch to(const torch::Device& device) const {
    auto move = [&](const torch::Tensor& t) { return t.defined() ? t.to(device, /*non_blocking=*/true) : t; };
    return {move(input_ids), move(attention_mask), move(token_type_ids), move(pixels), move(labels)};
  }
};

}  // namespace attune
