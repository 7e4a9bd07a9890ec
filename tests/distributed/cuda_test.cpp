// Tests tagged CUDA (suite names starting with `Cuda`): they run where
// LibTorch sees a GPU (scripts/device-check.sh runs them there) and are
// skipped with a message elsewhere. The code they drive is compiled in every
// build; only these checks need the hardware.
#include <gtest/gtest.h>

#include <signal.h>
#include <torch/cuda.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace cuda_test {

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

TEST(Cuda, CheckpointsWrittenOnTheGpuLoadOnTheCpuAndBack) {
  ATTUNE_REQUIRE_CUDA(1);
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const std::string run = dir.file("run");
  ASSERT_EQ(testing::run_attune({"train", yaml, "device=cuda", "train.epochs=1", "--run-dir", run}).exit_code, 0);
  // eval on either device from the same GPU checkpoint: the same numbers, within float rounding.
  const auto gpu = testing::run_attune({"eval", run});
  ASSERT_EQ(gpu.exit_code, 0) << gpu.err;
  const auto cpu = testing::run_attune({"eval", run, "--device", "cpu"});
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  const auto g = nlohmann::json::parse(gpu.out), c = nlohmann::json::parse(cpu.out);
  EXPECT_NEAR(g["val_loss"].get<double>(), c["val_loss"].get<double>(), 1e-4);
  // A GPU run resumed on the CPU, and a CPU run resumed on the GPU.
  testing::set_train_epochs(run, 2);
  const auto on_cpu = testing::run_attune({"train", "--resume", run, "--device", "cpu"});
  ASSERT_EQ(on_cpu.exit_code, 0) << on_cpu.err;
  EXPECT_EQ(nlohmann::json::parse(testing::read_text(run + "/summary.json"))["device"], "cpu");
  testing::set_train_epochs(run, 3);
  const auto on_gpu = testing::run_attune({"train", "--resume", run, "--device", "cuda:0"});
  ASSERT_EQ(on_gpu.exit_code, 0) << on_gpu.err;
  EXPECT_EQ(nlohmann::json::parse(testing::read_text(run + "/summary.json"))["device"], "cuda:0");
}

TEST(Cuda, ACheckpointFromTheSecondGpuLoadsOnTheFirst) {
  ATTUNE_REQUIRE_CUDA(2);
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const std::string run = dir.file("run");
  ASSERT_EQ(testing::run_attune({"train", yaml, "device=cuda:1", "train.epochs=1", "--run-dir", run}).exit_code, 0);
  const auto first = testing::run_attune({"eval", run, "--device", "cuda:0"});
  EXPECT_EQ(first.exit_code, 0) << first.err;
}

// Interrupted mid-epoch with dropout on, a CUDA run resumes to the metrics of
// one never stopped: the checkpoint holds the CUDA generators' state too.
TEST(Cuda, ResumeMidEpochEndsOnTheUninterruptedMetrics) {
  ATTUNE_REQUIRE_CUDA(1);
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 256);
  const std::vector<std::string> common = {yaml, "device=cuda", "train.epochs=2", "train.batch_size=2"};
  auto args = [&](const std::string& run) {
    std::vector<std::string> result = {"train"};
    result.insert(result.end(), common.begin(), common.end());
    result.insert(result.end(), {"--run-dir", dir.file(run)});
    return result;
  };
  ASSERT_EQ(testing::run_attune(args("whole")).exit_code, 0);
  const int pid = testing::start_attune(args("stopped"), dir.file("log"));
  // Its event file appears once the signal handlers are in place, before the first step.
  for (int i = 0; i < 600 && !std::filesystem::exists(dir.file("stopped")); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  bool events = false;
  for (int i = 0; i < 600 && !events; ++i) {
    for (const auto& entry : std::filesystem::directory_iterator(dir.file("stopped"))) {
      events = events || entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0;
    }
    if (!events) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid, SIGINT);
  ASSERT_EQ(testing::wait_attune(pid), 128 + SIGINT) << testing::read_text(dir.file("log"));
  const auto resumed = testing::run_attune({"train", "--resume", dir.file("stopped")});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(testing::read_text(dir.file("stopped/metrics.csv")), testing::read_text(dir.file("whole/metrics.csv")));
}

// precision: fp16 trains with the loss scaler (its rules are checked against
// PyTorch's GradScaler on the CPU: tests/train/loss_scaler_test.cpp), keeps
// its state in last.pt, and a resumed run goes on from it.
TEST(Cuda, Fp16TrainsWithTheLossScalerAndResumesWithIt) {
  ATTUNE_REQUIRE_CUDA(1);
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 96);
  const std::vector<std::string> common = {yaml, "device=cuda", "precision=fp16", "model.dropout=0"};
  auto args = [&](const std::string& run, const std::string& epochs) {
    std::vector<std::string> result = {"train"};
    result.insert(result.end(), common.begin(), common.end());
    result.insert(result.end(), {"train.epochs=" + epochs, "--run-dir", dir.file(run)});
    return result;
  };
  const auto whole = testing::run_attune(args("whole", "3"));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const auto w = nlohmann::json::parse(testing::read_text(dir.file("whole/summary.json")));
  ASSERT_TRUE(w.contains("loss_scale")) << w.dump(2);
  // GradScaler's first scale, 65536, halved on each overflowing step of the start.
  const double scale = w["loss_scale"]["scale"].get<double>();
  EXPECT_GT(scale, 0.0);
  EXPECT_LE(scale, 65536.0);
  EXPECT_DOUBLE_EQ(std::exp2(std::round(std::log2(scale))), scale);  // a power of two
  EXPECT_TRUE(std::isfinite(w["final"]["train_loss"].get<double>()));
  // The same run in two sessions: the scaler's state came back from last.pt.
  ASSERT_EQ(testing::run_attune(args("split", "1")).exit_code, 0);
  testing::set_train_epochs(dir.file("split"), 3);
  const auto resumed = testing::run_attune({"train", "--resume", dir.file("split")});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto s = nlohmann::json::parse(testing::read_text(dir.file("split/summary.json")));
  EXPECT_EQ(s["loss_scale"]["scale"], w["loss_scale"]["scale"]);
  EXPECT_EQ(s["loss_scale"]["skipped_steps"], w["loss_scale"]["skipped_steps"]);
  EXPECT_NEAR(s["final"]["val_loss"].get<double>(), w["final"]["val_loss"].get<double>(), 1e-3);
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

}  // namespace cuda_test
}  // namespace attune
