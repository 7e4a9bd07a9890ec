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

/// Inverted dropout's multiplier for elements [begin, end): `scale` with
/// probability 1 - p, else 0. Element i's draw depends only on (seed, i), so
/// the result does not depend on how the range is split across threads.
/// `drop_threshold` = p * 2^32: an element is dropped when its 32-bit hash is
/// below it.
void dropout_noise(uint64_t seed, uint32_t drop_threshold, float scale, float* noise, int64_t begin, int64_t end);

}  // namespace attune::kernels
