// The attention kernels for CPUs with AVX2 and FMA.
#include <cstring>

#include "core/kernels/cpu_kernels.h"

#if defined(__x86_64__)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx2,fma")
#endif
#define ATTUNE_KERNEL_ISA avx2
#include "core/kernels/attention_head_impl.h"
#if defined(__clang__)
#pragma clang attribute pop
#endif
#endif
