#pragma once

#include <torch/types.h>

#include <vector>

namespace attune {

/// The core of multi-head self-attention: softmax(q k^T / sqrt(d) + mask) v
/// per head, with dropout p on the weights in training. q, k, v: [B, L, H]
/// projections (H = num_heads * d); additive_mask: [B, 1, 1, L] (as
/// additive_padding_mask makes) or undefined. Returns [B, L, H].
///
/// Three ways to compute it, the same function of the inputs:
/// - LibTorch 2.x: at::scaled_dot_product_attention, which picks the flash or
///   memory-efficient kernels on CUDA and the fused kernel on CPU.
/// - LibTorch 1.13 on CPU in float32: attune's fused kernel
///   (core/kernels/attention_head.cpp), one pass per (batch, head) over scores
///   that stay in cache, reading heads from the projections' layout and
///   dropping the same weights as attune::Dropout would.
/// - otherwise the explicit operations (explicit_self_attention).
struct AttentionSettings {
  int64_t num_heads = 1;
  double dropout = 0.0;
  bool training = false;
};
torch::Tensor self_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const torch::Tensor& additive_mask, const AttentionSettings& settings);

/// The same over one [B, L, 3H] projection holding q, k and v side by side
/// (torch.nn.MultiheadAttention's in_proj); one gradient for it, no slices.
torch::Tensor packed_self_attention(const torch::Tensor& qkv, const torch::Tensor& additive_mask,
                                    const AttentionSettings& settings);

/// The reference: matmul, scale, mask, softmax, attune::inverted_dropout,
/// matmul, as HuggingFace's BertSelfAttention writes it.
torch::Tensor explicit_self_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const torch::Tensor& additive_mask, const AttentionSettings& settings);

/// Self-attention over variable-length sequences packed token after token,
/// with no padding: qkv [T, 3H] (q, k, v side by side), `lengths` the
/// sequences' token counts (each at least 1, summing to T). Each token
/// attends to its own sequence's tokens alone; the result [T, H] equals, for
/// every real token, what packed_self_attention gives on the padded batch
/// with its padding mask, for a fraction of the work (only real query-key
/// pairs are computed). Runs where packs_sequences(qkv).
torch::Tensor varlen_self_attention(const torch::Tensor& qkv, const std::vector<int64_t>& lengths,
                                    const AttentionSettings& settings);
/// Whether varlen_self_attention runs for tensors like x: where attune's
/// fused CPU kernel does (LibTorch 1.13, CPU, float32).
bool packs_sequences(const torch::Tensor& x);

/// Which of the three `self_attention` takes for these inputs (for tests
/// and for the bench's report).
enum class AttentionPath { sdpa, fused_cpu, explicit_ops };
AttentionPath attention_path(const torch::Tensor& q, const torch::Tensor& additive_mask);

}  // namespace attune
