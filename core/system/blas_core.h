#pragma once

#include <string>

namespace attune {

/// The kernels OpenBLAS chose for this CPU (`openblas_get_corename`), or ""
/// where LibTorch's BLAS is not OpenBLAS.
std::string openblas_core();

/// The OPENBLAS_CORETYPE this process should have been started with, or "".
/// OpenBLAS picks its kernels when it is loaded, from the CPU's model number;
/// Debian 12's OpenBLAS (0.3.21) does not know CPUs newer than itself (e.g.
/// family 6 model 207) and falls back to its Prescott kernels, which made
/// LibTorch's matmuls five times slower on such a machine (39 against 204
/// GFLOP/s, measured). Where that happened and the CPU has AVX-512 (or AVX2
/// and FMA), this names the kernels that fit (`SkylakeX`, `Haswell`); nothing
/// when the user set OPENBLAS_CORETYPE, or OpenBLAS knew the CPU.
std::string better_openblas_core();

/// Starts this program again with OPENBLAS_CORETYPE set where
/// better_openblas_core() names kernels (the setting only counts before
/// OpenBLAS is loaded, so it takes a new process; children inherit it).
/// Returns only when nothing needed changing or the restart failed.
void restart_with_fitting_blas_kernels(char** argv);

}  // namespace attune
