#pragma once

#include <string>

namespace attune {

/// Whether LibTorch's bfloat16 matmuls have fast kernels on this CPU: oneDNN's
/// bf16 kernels need AVX-512 (BW, VL and DQ) or native bfloat16 instructions
/// (AVX512-BF16, AMX-BF16; BF16 on Arm). Elsewhere they fall back to generic
/// loops: on a 2-core AVX2 machine a bf16 matmul ran 24 times slower than
/// float32 in PyTorch itself, and a bf16 demo epoch 60 times slower. True
/// where the CPU cannot be read (no /proc/cpuinfo), so nothing is claimed
/// without evidence.
bool cpu_has_fast_bfloat16();

/// The CPU's feature flags as /proc/cpuinfo lists them (x86 `flags`, Arm
/// `Features`), space-separated; "" where it cannot be read.
std::string cpu_flags();

}  // namespace attune
