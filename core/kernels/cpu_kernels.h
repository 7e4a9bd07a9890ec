#pragma once

// Single-pass CPU loops for the training step's memory-bound work, in plain
// C++ on raw pointers: each file of this folder is compiled with
// -fno-math-errno (so sqrt vectorizes) and each loop is cloned for AVX-512,
// AVX2 and baseline x86-64, chosen at load time. Callers split the range
// across threads (at::parallel_for) and handle dtype, device and layout.
#include <cstdint>

namespace attune::kernels {

/// One AdamW step (Loshchilov & Hutter 2019) in PyTorch's formulation, for
/// elements [begin, end): decay the weight, update both moments, then
/// param -= step_size * exp_avg / (sqrt(exp_avg_sq) / bias_correction2_sqrt + eps).
/// The arithmetic follows torch.optim.AdamW's operation order, in float.
struct AdamWStep {
  float weight_decay_factor;  ///< 1 - lr * weight_decay
  float beta1, beta2;
  float one_minus_beta1, one_minus_beta2;
  float step_size;  ///< lr / (1 - beta1^step)
  float bias_correction2_sqrt;
  float eps;
};
void adamw_step(const AdamWStep& s, float* param, float* exp_avg, float* exp_avg_sq, const float* grad, int64_t begin,
                int64_t end);

/// Inverted dropout's multiplier for elements [begin, end), written to
/// noise[0, end - begin): `scale` with probability 1 - p, else 0. Element i's
/// draw depends only on (seed, i), so the result does not depend on how the
/// range is split across threads. `drop_threshold` = p * 2^32: an element is
/// dropped when its 32-bit hash is below it.
void dropout_noise(uint64_t seed, uint32_t drop_threshold, float scale, float* noise, int64_t begin, int64_t end);

/// One (batch, head) pair of self-attention over `length` tokens. Token t's
/// query, key and value (and their gradients) are the `head_dim` floats at
/// q + t * in_stride (k, v likewise); its output (and the output's gradient)
/// at out + t * out_stride. So heads are read from and written to the
/// projections' [B, L, heads * head_dim] layout, with no permuted copies.
/// Only the first `keys` keys can carry weight: the rest are padding, whose
/// softmax weights are exactly zero, so their columns of the scores are
/// neither computed nor differentiated (their probs are 0, their k and v
/// gradients 0). Every query row is computed.
struct AttentionHead {
  int64_t length;
  int64_t keys;  ///< 1..length
  int64_t head_dim;
  float scale;  ///< multiplies q k^T (1 / sqrt(head_dim))
  int64_t in_stride;
  int64_t out_stride;
};
/// A count of keys rounded up to whole 8-float vectors.
// Always inlined: the kernels of each instruction set use it, and an out-of-line
// copy made for AVX2 must not be the one the baseline copy calls.
inline __attribute__((always_inline)) int64_t padded_keys(int64_t keys) {
  return (keys + 7) / 8 * 8;
}
/// The scratch floats one forward or backward call over `length` tokens takes.
inline int64_t attention_scratch_floats(int64_t length, int64_t head_dim) {
  return (head_dim + length) * padded_keys(length) + length * length;
}
/// probs = softmax(scale * q k^T + mask) ([length x length], kept for the
/// backward pass), out = (probs * keep) v. mask: `length` additive key biases,
/// or null. keep: dropout's [length x length] multipliers (only each row's
/// first `keys` are read), or null for none. scratch: attention_scratch_floats.
void attention_head_forward(const AttentionHead& h, const float* q, const float* k, const float* v, const float* mask,
                            const float* keep, float* probs, float* out, float* scratch);
/// The gradients of q, k and v from the output's, with the forward's probs and
/// keep. scratch: attention_scratch_floats.
void attention_head_backward(const AttentionHead& h, const float* q, const float* k, const float* v, const float* probs,
                             const float* keep, const float* grad_out, float* grad_q, float* grad_k, float* grad_v,
                             float* scratch);
/// The attention kernels run the copy built for the best instruction set the
/// CPU has (AVX2 with FMA, else the baseline); tests make them run the
/// baseline copy too.
void use_baseline_attention_kernels(bool baseline);

}  // namespace attune::kernels
