// Checkpoints load onto the device asked for, whichever device wrote them. A
// machine without a GPU cannot write a CUDA checkpoint, so the test makes one
// the way a GPU would have written it (make_cuda_checkpoint.py renames the
// storages' device, and PyTorch's own reader confirms it is a CUDA
// checkpoint), then reads it with every command that loads checkpoints:
// eval, train --resume and `init: pretrained`. tests/distributed/cuda_test.cpp
// does the same with real GPU checkpoints where there is a GPU.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace checkpoint_device_test {

namespace fs = std::filesystem;
using testing::read_text;
using testing::run_attune;

/// Copies `run` to `copy` with every checkpoint rewritten as if `device` had written it.
void copy_as_written_on(const std::string& run, const std::string& copy, const std::string& device) {
  fs::copy(run, copy, fs::copy_options::recursive);
  for (const char* name : {"best.pt", "last.pt"}) {
    const std::string checkpoint = copy + "/checkpoints/" + name;
    const std::string command = testing::python() + " " + testing::source_dir() +
                                "/tests/train/make_cuda_checkpoint.py " + run + "/checkpoints/" + name + " " +
                                checkpoint + " " + device;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
}

class CheckpointDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    yaml_ = testing::write_tiny_experiment(dir_, 64);
    const auto trained = run_attune({"train", yaml_, "train.epochs=1", "--run-dir", dir_.file("cpu")});
    ASSERT_EQ(trained.exit_code, 0) << trained.err;
    copy_as_written_on(dir_.file("cpu"), dir_.file("gpu"), "cuda:0");
  }
  testing::TempDir dir_;
  std::string yaml_;
};

TEST_F(CheckpointDevice, EvalReadsAGpuCheckpointOnTheCpu) {
  const auto cpu = run_attune({"eval", dir_.file("cpu")});
  ASSERT_EQ(cpu.exit_code, 0) << cpu.err;
  const auto gpu = run_attune({"eval", dir_.file("gpu")});
  ASSERT_EQ(gpu.exit_code, 0) << gpu.err;
  EXPECT_EQ(gpu.out, cpu.out);
  // The device can be named, and one this machine lacks is a clear error.
  const auto named = run_attune({"eval", dir_.file("gpu"), "--device", "cpu"});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(named.out, cpu.out);
  if (!torch::cuda::is_available()) {
    const auto missing = run_attune({"eval", dir_.file("gpu"), "--device", "cuda:1"});
    EXPECT_EQ(missing.exit_code, 2) << missing.err;
    EXPECT_NE(missing.err.find("this machine has no CUDA device"), std::string::npos) << missing.err;
  }
}

TEST_F(CheckpointDevice, ResumeFromAGpuCheckpointEndsAsFromTheCpuOne) {
  for (const char* run : {"cpu", "gpu"}) testing::set_train_epochs(dir_.file(run), 2);
  for (const char* run : {"cpu", "gpu"}) {
    const auto resumed = run_attune({"train", "--resume", dir_.file(run)});
    ASSERT_EQ(resumed.exit_code, 0) << run << ": " << resumed.err;
  }
  const std::string metrics = read_text(dir_.file("cpu/metrics.csv"));
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 3) << metrics;
  EXPECT_EQ(read_text(dir_.file("gpu/metrics.csv")), metrics);
}

TEST_F(CheckpointDevice, PretrainedInitReadsAGpuCheckpoint) {
  // A checkpoint written on the second GPU reads as well as one from the first.
  copy_as_written_on(dir_.file("cpu"), dir_.file("gpu1"), "cuda:1");
  auto init_report = [&](const std::string& run) {
    const auto check = run_attune(
        {"check", yaml_, "init=[{match: \"*\", type: pretrained, path: " + run + "/checkpoints/best.pt}]", "--init"});
    EXPECT_EQ(check.exit_code, 0) << check.err;
    std::string report = check.out.substr(check.out.find("# init report"));
    for (size_t at; (at = report.find(run)) != std::string::npos;) report.replace(at, run.size(), "RUN");
    return report;
  };
  const std::string cpu = init_report(dir_.file("cpu"));
  EXPECT_NE(cpu.find("pretrained"), std::string::npos) << cpu;
  EXPECT_EQ(init_report(dir_.file("gpu")), cpu);
  EXPECT_EQ(init_report(dir_.file("gpu1")), cpu);
}

}  // namespace checkpoint_device_test
}  // namespace attune
