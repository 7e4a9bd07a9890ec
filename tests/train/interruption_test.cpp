// Interrupted runs lose nothing: SIGINT/SIGTERM stop after the current step
// with a checkpoint that --resume continues exactly, and SIGKILL at random
// moments never leaves a file that a resume cannot continue from. Each ends
// on the same metrics.csv as a run never stopped (the reference: that run).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tests/support/tiny_experiment.h"

namespace attune::testing {
namespace interruption_test {

namespace fs = std::filesystem;

// Many small steps (128 an epoch), so that a run lasts long enough to be killed at random moments.
const std::vector<std::string> kOverrides = {"train.epochs=4", "train.batch_size=2"};

std::vector<std::string> fresh_args(const std::string& yaml, const std::string& run_dir) {
  std::vector<std::string> args = {"train", yaml, "--run-dir", run_dir};
  args.insert(args.end(), kOverrides.begin(), kOverrides.end());
  return args;
}

std::string uninterrupted_metrics(const TempDir& dir, const std::string& yaml) {
  const auto run = run_attune(fresh_args(yaml, dir.file("reference")));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return read_text(dir.file("reference/metrics.csv"));
}

size_t event_files(const std::string& run_dir) {
  size_t count = 0;
  if (!fs::exists(run_dir)) return 0;
  for (const auto& entry : fs::directory_iterator(run_dir)) {
    count += entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0;
  }
  return count;
}

void wait_for_event_files(const std::string& run_dir, size_t count) {
  for (int i = 0; i < 60000 && event_files(run_dir) < count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_GE(event_files(run_dir), count) << run_dir;
}

TEST(Interruption, SigtermAndSigintStopWithACheckpointThatResumesExactly) {
  TempDir dir;
  const std::string yaml = write_tiny_experiment(dir, 256);
  const std::string expected = uninterrupted_metrics(dir, yaml);
  const std::string run_dir = dir.file("run");
  size_t session = 0;
  for (const int signal : {SIGTERM, SIGINT}) {
    const std::string log = dir.file("log" + std::to_string(++session));
    const int pid = start_attune(fs::exists(run_dir + "/checkpoints/last.pt")
                                     ? std::vector<std::string>{"train", "--resume", run_dir}
                                     : fresh_args(yaml, run_dir),
                                 log);
    // Each session starts an event file once its signal handlers are in place
    // and before its first step; the loop checks for a signal after every
    // step, so it stops within the epoch whatever the machine's speed.
    wait_for_event_files(run_dir, session);
    kill(pid, signal);
    ASSERT_EQ(wait_attune(pid), 128 + signal) << read_text(log);
    const std::string output = read_text(log);
    EXPECT_NE(output.find("Continue with: attune train --resume " + run_dir), std::string::npos)
        << log << ": " << output;
    const auto summary = nlohmann::json::parse(read_text(run_dir + "/summary.json"));
    ASSERT_TRUE(summary.contains("interrupted")) << summary.dump(2);
    EXPECT_EQ(summary["interrupted"]["signal"].get<std::string>(), signal == SIGTERM ? "SIGTERM" : "SIGINT");
    EXPECT_GT(summary["interrupted"]["epoch_step"].get<int64_t>(), 0) << "stopped mid-epoch";
  }
  const auto resumed = run_attune({"train", "--resume", run_dir});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(read_text(run_dir + "/metrics.csv"), expected);
}

TEST(Interruption, TwentySigkillsAtRandomMomentsLoseNothing) {
  TempDir dir;
  const std::string yaml = write_tiny_experiment(dir, 96);
  const auto started = std::chrono::steady_clock::now();
  const std::string expected = uninterrupted_metrics(dir, yaml);
  const auto run_length = std::chrono::steady_clock::now() - started;
  const std::string run_dir = dir.file("run");
  std::mt19937 random(20261127);
  std::uniform_int_distribution<int64_t> moment(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(run_length).count());
  auto next_session = [&] {
    return fs::exists(run_dir + "/checkpoints/last.pt") ? std::vector<std::string>{"train", "--resume", run_dir}
                                                        : fresh_args(yaml, run_dir);
  };
  for (int kill_number = 0; kill_number < 20; ++kill_number) {
    const std::string log = dir.file("log");
    const int pid = start_attune(next_session(), log);
    std::this_thread::sleep_for(std::chrono::milliseconds(moment(random)));
    kill(-pid, SIGKILL);
    const int code = wait_attune(pid);
    // Killed, or it had already finished the run (then a resume has nothing to do).
    ASSERT_TRUE(code == 128 + SIGKILL || code == 0) << "kill " << kill_number << ": " << read_text(log);
    if (fs::exists(run_dir + "/summary.json")) {
      EXPECT_NO_THROW((void)nlohmann::json::parse(read_text(run_dir + "/summary.json"))) << "kill " << kill_number;
    }
  }
  const auto last = run_attune(next_session());
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(read_text(run_dir + "/metrics.csv"), expected);
}

TEST(Interruption, ANonFiniteLossStopsTheRunNamingTheStepAndTheLastGoodCheckpoint) {
  TempDir dir;
  // A learning rate near float's limit: the first update makes the weights
  // overflow, so the second step's loss is NaN.
  const std::string yaml = write_tiny_experiment(dir, 64);
  const std::string run_dir = dir.file("run");
  const auto run = run_attune({"train", yaml, "--run-dir", run_dir, "optimizer.lr=1e38", "train.grad_clip_norm=0"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("is not finite; stopped"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("The last good checkpoint is none (no epoch finished)"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("train.skip_nonfinite: true"), std::string::npos) << run.err;
  const auto summary = nlohmann::json::parse(read_text(run_dir + "/summary.json"));
  EXPECT_TRUE(summary["failed_nonfinite"].get<bool>());
  ASSERT_EQ(summary["nonfinite_steps"].size(), 1u);
  const auto& fault = summary["nonfinite_steps"][0];
  EXPECT_EQ(fault["epoch"], 1);
  EXPECT_GE(fault["step"].get<int64_t>(), 2);
  EXPECT_NE(run.err.find(
                fmt::format("epoch 1 step {} (batch {}", fault["step"].get<int64_t>(), fault["batch"].get<int64_t>())),
            std::string::npos)
      << run.err;
}

// train.finite_check_every: N keeps the gradient norms on the device and
// reads them every N steps (and before evaluations and checkpoints): the same
// arithmetic, so the same metrics, and a fault found late is still the step
// that a check after every step names.
TEST(Interruption, ChecksEveryNStepsTrainAlikeAndNameTheSameFaultyStep) {
  TempDir dir;
  const std::string yaml = write_tiny_experiment(dir, 200);  // 13 steps an epoch
  auto train = [&](const std::string& run, std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "train",     yaml,         "train.epochs=2", "train.grad_clip_norm=0.5", "train.log_every_steps=5",
        "--run-dir", dir.file(run)};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_attune(args);
  };
  for (const char* every : {"1", "4"}) {
    const auto run = train(std::string("fine_") + every, {std::string("train.finite_check_every=") + every});
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  EXPECT_EQ(read_text(dir.file("fine_4/metrics.csv")), read_text(dir.file("fine_1/metrics.csv")));

  std::vector<nlohmann::json> faults;
  for (const char* every : {"1", "6"}) {
    const std::string run_dir = dir.file(std::string("nan_") + every);
    const auto run = train(std::string("nan_") + every, {std::string("train.finite_check_every=") + every,
                                                         "optimizer.lr=1e38", "train.grad_clip_norm=0"});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    EXPECT_NE(run.err.find("The last good checkpoint is none (no epoch finished)"), std::string::npos) << run.err;
    EXPECT_FALSE(fs::exists(run_dir + "/checkpoints/last.pt"));
    const auto summary = nlohmann::json::parse(read_text(run_dir + "/summary.json"));
    EXPECT_TRUE(summary["failed_nonfinite"].get<bool>());
    ASSERT_EQ(summary["nonfinite_steps"].size(), 1u);
    faults.push_back(summary["nonfinite_steps"][0]);
  }
  EXPECT_EQ(faults[1]["step"], faults[0]["step"]);
  EXPECT_EQ(faults[1]["batch"], faults[0]["batch"]);
  EXPECT_EQ(faults[1]["examples"], faults[0]["examples"]);
}

TEST(Interruption, ChecksEveryNStepsCannotSkipNonfiniteSteps) {
  TempDir dir;
  const auto run = run_attune({"train", write_tiny_experiment(dir, 64), "train.finite_check_every=10",
                               "train.skip_nonfinite=true", "--run-dir", dir.file("run")});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("finite_check_every"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("cannot be skipped"), std::string::npos) << run.err;
}

TEST(Interruption, SkipNonfiniteSkipsThoseStepsAndRecordsThem) {
  TempDir dir;
  const std::string yaml = write_tiny_experiment(dir, 64);
  const std::string run_dir = dir.file("run");
  const auto run = run_attune({"train", yaml, "--run-dir", run_dir, "optimizer.lr=1e38", "train.grad_clip_norm=0",
                               "train.skip_nonfinite=true"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto summary = nlohmann::json::parse(read_text(run_dir + "/summary.json"));
  EXPECT_FALSE(summary["failed_nonfinite"].get<bool>());
  // 3 epochs of 4 steps; once the weights overflowed, every later step is skipped.
  const auto& skipped = summary["nonfinite_steps"];
  ASSERT_FALSE(skipped.empty());
  const int64_t first = skipped[0]["step"].get<int64_t>();
  EXPECT_EQ(static_cast<int64_t>(skipped.size()), summary["steps"].get<int64_t>() - first + 1);
  EXPECT_NE(run.err.find("step skipped"), std::string::npos);
}

}  // namespace interruption_test
}  // namespace attune::testing
