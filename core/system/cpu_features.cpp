#include "core/system/cpu_features.h"

namespace attune {

bool cpu_has_fast_bfloat16() {
  // The CPU's own feature bits, as blas_core and the attention kernels ask them.
  return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16") ||
         (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
          __builtin_cpu_supports("avx512dq"));
}

}  // namespace attune
