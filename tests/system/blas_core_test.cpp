// attune runs LibTorch's matmuls on the OpenBLAS kernels that fit the CPU:
// where Debian's OpenBLAS falls back to its Prescott kernels for a CPU newer
// than itself, `attune` starts again with OPENBLAS_CORETYPE naming the
// kernels the CPU can run, and a user's own OPENBLAS_CORETYPE is kept. The
// reference is OpenBLAS's own report of its kernels (openblas_get_corename),
// in this test process (started without the fix) and in the run's summary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/system/blas_core.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace blas_core_test {

std::string blas_of_a_run(const std::vector<std::string>& env) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 32);
  const auto run = testing::run_attune({"train", yaml, "train.epochs=1", "--run-dir", dir.file("run")}, "", env);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return nlohmann::json::parse(testing::read_text(dir.file("run/summary.json"))).value("blas", "");
}

TEST(BlasCore, TrainingRunsOnKernelsThatFitTheCpu) {
  const std::string here = openblas_core();
  if (here.empty()) GTEST_SKIP() << "LibTorch's BLAS here is not OpenBLAS";
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) GTEST_SKIP() << "OPENBLAS_CORETYPE is set for the tests";
  const std::string better = better_openblas_core();
  // This process kept what OpenBLAS chose; attune starts again where that was Prescott.
  EXPECT_EQ(blas_of_a_run({}), "OpenBLAS " + (better.empty() ? here : better)) << "this process: " << here;
}

TEST(BlasCore, AUsersOwnCoreTypeIsKept) {
  if (openblas_core().empty()) GTEST_SKIP() << "LibTorch's BLAS here is not OpenBLAS";
  if (!__builtin_cpu_supports("avx2")) GTEST_SKIP() << "needs a CPU with AVX2";
  EXPECT_EQ(blas_of_a_run({"OPENBLAS_CORETYPE=Haswell"}), "OpenBLAS Haswell");
}

}  // namespace blas_core_test
}  // namespace attune
