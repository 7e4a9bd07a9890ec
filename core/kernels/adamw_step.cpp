#include <cmath>

#include "core/kernels/cpu_kernels.h"

namespace attune::kernels {
namespace {

inline __attribute__((always_inline)) void adamw_loop(const AdamWStep& s, float* __restrict param,
                                                      float* __restrict exp_avg, float* __restrict exp_avg_sq,
                                                      const float* __restrict grad, int64_t begin, int64_t end) {
  const AdamWStep k = s;  // locals: the loop must not re-read through a pointer that could alias
  for (int64_t i = begin; i < end; ++i) {
    const float g = grad[i];
    // exp_avg.mul_(beta1).add_(grad, alpha): ATen's vector add is a fused multiply-add.
    const float m = std::fma(g, k.one_minus_beta1, exp_avg[i] * k.beta1);
    const float v = exp_avg_sq[i] * k.beta2 + k.one_minus_beta2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    const float denom = std::sqrt(v) / k.bias_correction2_sqrt + k.eps;
    param[i] = param[i] * k.weight_decay_factor - k.step_size * m / denom;
  }
}

}  // namespace

// One version per instruction set, picked at load time (GCC function
// multiversioning, dispatched only for calls in this file: hence the plain
// adamw_step below); FMA comes with neither AVX2 nor AVX-512F on its own.
__attribute__((target("default"))) void adamw_versions(const AdamWStep& s, float* param, float* exp_avg,
                                                       float* exp_avg_sq, const float* grad, int64_t begin,
                                                       int64_t end) {
  adamw_loop(s, param, exp_avg, exp_avg_sq, grad, begin, end);
}
__attribute__((target("avx2,fma"))) void adamw_versions(const AdamWStep& s, float* param, float* exp_avg,
                                                        float* exp_avg_sq, const float* grad, int64_t begin,
                                                        int64_t end) {
  adamw_loop(s, param, exp_avg, exp_avg_sq, grad, begin, end);
}
__attribute__((target("avx512f,fma"))) void adamw_versions(const AdamWStep& s, float* param, float* exp_avg,
                                                           float* exp_avg_sq, const float* grad, int64_t begin,
                                                           int64_t end) {
  adamw_loop(s, param, exp_avg, exp_avg_sq, grad, begin, end);
}

void adamw_step(const AdamWStep& s, float* param, float* exp_avg, float* exp_avg_sq, const float* grad, int64_t begin,
                int64_t end) {
  adamw_versions(s, param, exp_avg, exp_avg_sq, grad, begin, end);
}

}  // namespace attune::kernels
