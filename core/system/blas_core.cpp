#include "core/system/blas_core.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>

namespace attune {

std::string openblas_core() {
  using CoreName = char* (*)();
  const auto corename = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const char* name = corename ? corename() : nullptr;
  return name ? name : "";
}

std::string better_openblas_core() {
  const char* chosen = std::getenv("OPENBLAS_CORETYPE");
  if (chosen != nullptr && *chosen != '\0') return "";
  // Prescott is what OpenBLAS falls back to for an Intel model it does not
  // know; no CPU that runs LibTorch today is one.
  if (openblas_core() != "Prescott") return "";
  if (__builtin_cpu_supports("avx512f")) return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return "";
}

void restart_with_fitting_blas_kernels(char** argv) {
  const std::string core = better_openblas_core();
  if (core.empty()) return;
  setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
  execv("/proc/self/exe", argv);
  // Could not start again: go on with the kernels OpenBLAS chose.
}

}  // namespace attune
