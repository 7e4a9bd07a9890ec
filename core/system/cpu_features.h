#pragma once

namespace attune {

/// Whether LibTorch's bfloat16 matmuls have fast kernels on this CPU: oneDNN's
/// bf16 kernels need AVX-512 (BW, VL and DQ) or native bfloat16 instructions
/// (AVX512-BF16, AMX-BF16). Elsewhere they fall back to generic loops: on a
/// 2-core AVX2 machine a bf16 matmul ran 24 times slower than float32 in
/// PyTorch itself, and a bf16 demo epoch 60 times slower.
bool cpu_has_fast_bfloat16();

}  // namespace attune
