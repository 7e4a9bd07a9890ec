// Tests tagged CUDA (suite names starting with `Cuda`): they run where
// LibTorch sees a GPU (scripts/device-check.sh runs them there) and are
// skipped with a message elsewhere. The code they drive is compiled in every
// build; only these checks need the hardware.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <torch/cuda.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "core/io/weights_file.h"
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

// precision: bf16 (autocast to bfloat16; weights, gradients and optimizer
// in float32, no loss scale): on the same weights and batches it follows the
// float32 run's losses to within bfloat16's rounding, and a resumed bf16 run
// ends where an uninterrupted one does.
TEST(Cuda, Bf16TrainsAsFp32DoesAndResumes) {
  ATTUNE_REQUIRE_CUDA(1);
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 96);
  auto args = [&](const std::string& run, const std::string& precision, const std::string& epochs) {
    return std::vector<std::string>{
        "train",     yaml,         "device=cuda", "model.dropout=0", "precision=" + precision, "train.epochs=" + epochs,
        "--run-dir", dir.file(run)};
  };
  for (const auto& [run, precision] : {std::pair{"fp32", "fp32"}, {"bf16", "bf16"}}) {
    const auto result = testing::run_attune(args(run, precision, "3"));
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  const auto f = nlohmann::json::parse(testing::read_text(dir.file("fp32/summary.json")));
  const auto b = nlohmann::json::parse(testing::read_text(dir.file("bf16/summary.json")));
  EXPECT_EQ(b["precision"], "bf16");
  EXPECT_FALSE(b.contains("loss_scale")) << "bf16 needs no loss scaling";
  EXPECT_TRUE(b["nonfinite_steps"].empty());
  const auto fp32 = testing::read_metrics_columns(dir.file("fp32/metrics.csv"));
  const auto bf16 = testing::read_metrics_columns(dir.file("bf16/metrics.csv"));
  ASSERT_EQ(fp32.at("train_loss").size(), 3U);
  ASSERT_EQ(bf16.at("train_loss").size(), 3U);
  for (size_t epoch = 0; epoch < 3; ++epoch) {
    // bfloat16 keeps 8 bits of mantissa (a relative step of 2^-8): a loss
    // near 0.7 after a few dozen steps moves by a few hundredths at most.
    EXPECT_NEAR(bf16.at("train_loss")[epoch], fp32.at("train_loss")[epoch], 0.03) << "epoch " << epoch + 1;
    EXPECT_NEAR(bf16.at("val_loss")[epoch], fp32.at("val_loss")[epoch], 0.03) << "epoch " << epoch + 1;
  }
  EXPECT_LT(bf16.at("train_loss")[2], bf16.at("train_loss")[0]);  // it learns
  // The same bf16 run in two sessions.
  ASSERT_EQ(testing::run_attune(args("split", "bf16", "1")).exit_code, 0);
  testing::set_train_epochs(dir.file("split"), 3);
  const auto resumed = testing::run_attune({"train", "--resume", dir.file("split")});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto s = nlohmann::json::parse(testing::read_text(dir.file("split/summary.json")));
  EXPECT_EQ(s["precision"], "bf16");
  EXPECT_NEAR(s["final"]["val_loss"].get<double>(), b["final"]["val_loss"].get<double>(), 1e-3);
}

// Data parallel over NCCL, one rank per GPU (NCCL refuses two ranks on one
// device): one rank where the machine has one GPU, two where it has more.
// The ranks end where one process with the same global batch ends.
TEST(CudaDataParallel, NcclRanksEndWhereOneProcessWithTheSameGlobalBatchEnds) {
  ATTUNE_REQUIRE_CUDA(1);
  const int64_t ranks = std::min<int64_t>(torch::cuda::device_count(), 2);
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 96);
  // SGD with momentum, as DataParallel's CPU test, for the reason given there.
  const std::vector<std::string> common = {yaml,
                                           "device=cuda",
                                           "model.dropout=0",
                                           "train.epochs=2",
                                           "optimizer.type=sgd",
                                           "optimizer.lr=0.1",
                                           "optimizer.momentum=0.9"};
  auto args = [&](std::vector<std::string> head, int64_t batch, const std::string& run) {
    head.insert(head.end(), common.begin(), common.end());
    head.insert(head.end(), {"train.batch_size=" + std::to_string(batch), "--run-dir", dir.file(run)});
    return head;
  };
  const auto one = testing::run_attune(args({"train"}, 16, "one"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto job = testing::run_attune(
      args({"launch", "--nproc", std::to_string(ranks), "train", "distributed.backend=nccl"}, 16 / ranks, "job"));
  ASSERT_EQ(job.exit_code, 0) << job.err;
  const auto o = nlohmann::json::parse(testing::read_text(dir.file("one/summary.json")));
  const auto j = nlohmann::json::parse(testing::read_text(dir.file("job/summary.json")));
  EXPECT_EQ(j["world_size"], ranks);
  EXPECT_EQ(j["backend"], "nccl");
  EXPECT_EQ(j["device"], "cuda:0");  // rank 0's
  EXPECT_EQ(j["steps"], o["steps"]);
  for (const char* key : {"train_loss", "val_loss", "val_accuracy"}) {
    EXPECT_NEAR(o["final"][key].get<double>(), j["final"][key].get<double>(), 1e-4) << key;
  }
  const StateDict a = read_weights(dir.file("one/checkpoints/last.pt"));
  const StateDict b = read_weights(dir.file("job/checkpoints/last.pt"));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_LE((a[i].second - b[i].second).abs().max().item<double>(), 1e-4) << a[i].first;
  }
}

}  // namespace cuda_test
}  // namespace attune
