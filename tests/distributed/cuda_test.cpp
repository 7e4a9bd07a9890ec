// Tests tagged CUDA (suite names starting with `Cuda`): they run where
// LibTorch sees a GPU (scripts/device-check.sh runs them there) and are
// skipped with a message elsewhere. The code they drive is compiled in every
// build; only these checks need the hardware.
#include <gtest/gtest.h>

#include <torch/cuda.h>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace {

#define ATTUNE_REQUIRE_CUDA(devices)                                                 \
  if (!torch::cuda::is_available() || torch::cuda::device_count() < (devices)) {     \
    GTEST_SKIP() << "needs " << (devices) << " CUDA device(s); this machine has "    \
                 << (torch::cuda::is_available() ? torch::cuda::device_count() : 0); \
  }

TEST(Devices, CudaWithoutAGpuIsAClearError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this machine has a GPU";
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 32);
  for (const char* device : {"cuda", "cuda:1"}) {
    const auto result =
        testing::run_attune({"train", yaml, std::string("device=") + device, "--run-dir", dir.file("run")});
    EXPECT_EQ(result.exit_code, 2) << device;
    EXPECT_NE(result.err.find(fmt::format("device `{}`: this machine has no CUDA device", device)), std::string::npos)
        << result.err;
  }
}

TEST(Cuda, TrainsOnTheGpuAndMatchesTheCpu) {
  ATTUNE_REQUIRE_CUDA(1);
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 96);
  const std::vector<std::string> common = {yaml, "model.dropout=0", "train.epochs=1"};
  auto run = [&](const std::string& device) {
    std::vector<std::string> args = {"train"};
    args.insert(args.end(), common.begin(), common.end());
    args.push_back("device=" + device);
    args.push_back("--run-dir");
    args.push_back(dir.file(device));
    return testing::run_attune(args);
  };
  const auto gpu = run("cuda");
  ASSERT_EQ(gpu.exit_code, 0) << gpu.err;
  const auto cpu = run("cpu");
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  const auto g = nlohmann::json::parse(testing::read_text(dir.file("cuda/summary.json")));
  const auto c = nlohmann::json::parse(testing::read_text(dir.file("cpu/summary.json")));
  EXPECT_EQ(g["device"], "cuda:0");
  // Same initial weights and batches; float rounding differs (TF32 off by default for matmuls in LibTorch).
  EXPECT_NEAR(g["final"]["train_loss"].get<double>(), c["final"]["train_loss"].get<double>(), 1e-3);
}

TEST(Cuda, CheckpointsLoadOnTheCpu) {
  ATTUNE_REQUIRE_CUDA(1);
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  ASSERT_EQ(
      testing::run_attune({"train", yaml, "device=cuda", "train.epochs=1", "--run-dir", dir.file("run")}).exit_code, 0);
  std::string config = testing::read_text(dir.file("run/config.yaml"));
  config.replace(config.find("device: cuda"), 12, "device: cpu");
  testing::write_text(dir.file("run/config.yaml"), config);
  const auto eval = testing::run_attune({"eval", dir.file("run")});
  EXPECT_EQ(eval.exit_code, 0) << eval.err;
}

TEST(CudaDataParallel, TwoGpusWithNccl) {
  ATTUNE_REQUIRE_CUDA(2);
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 96);
  const auto result = testing::run_attune({"launch", "--nproc", "2", "train", yaml, "device=cuda",
                                           "distributed.backend=nccl", "train.epochs=1", "--run-dir", dir.file("run")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(testing::read_text(dir.file("run/summary.json")).find("\"world_size\": 2"), std::string::npos);
}

}  // namespace
}  // namespace attune
