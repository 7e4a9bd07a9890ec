// `precision: bf16`: forward passes under autocast, as torch.autocast does it.
#include <gtest/gtest.h>

#include <cmath>

#include "core/train/autocast.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace autocast_test {

TEST(Autocast, MatmulsRunInBfloat16InsideTheGuardOnly) {
  const auto a = torch::rand({4, 8}), b = torch::rand({8, 3});
  {
    const AutocastGuard guard(torch::kCPU, at::kBFloat16);
    // As in PyTorch: matmul-like ops in the low-precision list are cast...
    EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kBFloat16);
    // ...and the result is close to float32's (bf16 keeps 8 bits of mantissa).
    EXPECT_TRUE(torch::allclose(torch::mm(a, b).to(torch::kFloat),
                                torch::mm(a.to(torch::kDouble), b.to(torch::kDouble)).to(torch::kFloat), 3e-2, 3e-2));
  }
  EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat);
  {
    const AutocastGuard off(torch::kCPU, std::nullopt);
    EXPECT_EQ(torch::mm(a, b).scalar_type(), torch::kFloat);
  }
}

TEST(Autocast, Bf16RunTrainsWithFloat32WeightsAndFiniteLosses) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 96);
  const auto result =
      testing::run_attune({"train", yaml, "precision=bf16", "train.epochs=2", "--run-dir", dir.file("run")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto summary = nlohmann::json::parse(testing::read_text(dir.file("run/summary.json")));
  EXPECT_TRUE(std::isfinite(summary["final"]["train_loss"].get<double>()));
  EXPECT_TRUE(std::isfinite(summary["final"]["val_loss"].get<double>()));
  // fp16 is for CUDA: on the CPU, a clear error.
  const auto bad = testing::run_attune({"train", yaml, "precision=fp16", "device=cpu", "--run-dir", dir.file("bad")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("precision: fp16 trains on CUDA only"), std::string::npos) << bad.err;
  // The hint: bf16, or fp32 on a CPU where bf16 is slow (Cli.Bf16OnACpuWithoutFastBfloat16KernelsWarnsOnce).
  EXPECT_NE(bad.err.find("Use `precision: "), std::string::npos) << bad.err;
}

}  // namespace autocast_test
}  // namespace attune
