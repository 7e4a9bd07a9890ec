#include "core/kernels/cpu_kernels.h"

// The attention kernels' entry points: the copy of
// attention_head_impl.h built for the best instruction set this CPU has,
// chosen once.
namespace attune::kernels {

#define ATTUNE_DECLARE_ATTENTION_KERNELS(isa)                                                                  \
  namespace isa {                                                                                              \
  void attention_head_forward(const AttentionHead& h, const float* q, const float* k, const float* v,          \
                              const float* mask, const float* keep, float* probs, float* out, float* scratch); \
  void attention_head_backward(const AttentionHead& h, const float* q, const float* k, const float* v,         \
                               const float* probs, const float* keep, const float* grad_out, float* grad_q,    \
                               float* grad_k, float* grad_v, float* scratch);                                  \
  }
ATTUNE_DECLARE_ATTENTION_KERNELS(baseline)
#if defined(__x86_64__)
ATTUNE_DECLARE_ATTENTION_KERNELS(avx2)
#endif
#undef ATTUNE_DECLARE_ATTENTION_KERNELS

namespace {

bool has_avx2_fma() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool use_avx2 = has_avx2_fma();

}  // namespace

void use_baseline_attention_kernels(bool baseline) {
  use_avx2 = !baseline && has_avx2_fma();
}

void attention_head_forward(const AttentionHead& h, const float* q, const float* k, const float* v, const float* mask,
                            const float* keep, float* probs, float* out, float* scratch) {
#if defined(__x86_64__)
  if (use_avx2) return avx2::attention_head_forward(h, q, k, v, mask, keep, probs, out, scratch);
#endif
  baseline::attention_head_forward(h, q, k, v, mask, keep, probs, out, scratch);
}

void attention_head_backward(const AttentionHead& h, const float* q, const float* k, const float* v, const float* probs,
                             const float* keep, const float* grad_out, float* grad_q, float* grad_k, float* grad_v,
                             float* scratch) {
#if defined(__x86_64__)
  if (use_avx2)
    return avx2::attention_head_backward(h, q, k, v, probs, keep, grad_out, grad_q, grad_k, grad_v, scratch);
#endif
  baseline::attention_head_backward(h, q, k, v, probs, keep, grad_out, grad_q, grad_k, grad_v, scratch);
}

}  // namespace attune::kernels
