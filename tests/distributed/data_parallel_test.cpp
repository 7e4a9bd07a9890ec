// Data-parallel training over c10d with Gloo, as real processes on loopback:
// two ranks end where one process with the same global batch ends, the
// launcher writes one run folder, and a dead rank stops the job.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/distributed/distributed.h"
#include "core/io/weights_file.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace data_parallel_test {

namespace fs = std::filesystem;

const std::vector<std::string> kEnv = {"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1"};

/// torchrun's variables for `rank` of a 2-rank job on loopback.
std::vector<std::string> rank_env(int rank, int port) {
  std::vector<std::string> env = kEnv;
  for (const std::string& v :
       {"RANK=" + std::to_string(rank), "LOCAL_RANK=" + std::to_string(rank), std::string("WORLD_SIZE=2"),
        std::string("MASTER_ADDR=127.0.0.1"), "MASTER_PORT=" + std::to_string(port)}) {
    env.push_back(v);
  }
  return env;
}

bool wait_for_file(const std::string& path, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(path)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(DataParallel, TwoRanksEndWhereOneProcessWithTheSameGlobalBatchEnds) {
  testing::TempDir dir;
  // 100 examples in global batches of 16: the last one (4) falls on rank 0
  // alone, so rank 1 also takes the no-examples path.
  const auto yaml = testing::write_tiny_experiment(dir, 100);
  // SGD with momentum: Adam divides by the gradient's running magnitude,
  // which turns the float rounding noise of gradients that are zero in exact
  // arithmetic (the attention's key bias) into lr-sized steps, in one process
  // as in two.
  const std::vector<std::string> common = {
      yaml, "model.dropout=0", "train.epochs=2", "optimizer.type=sgd", "optimizer.lr=0.1", "optimizer.momentum=0.9"};
  auto args = [&](std::vector<std::string> head, const std::string& batch, const std::string& run) {
    head.insert(head.end(), common.begin(), common.end());
    head.push_back("train.batch_size=" + batch);
    head.push_back("--run-dir");
    head.push_back(dir.file(run));
    return head;
  };
  const auto one = testing::run_attune(args({"train"}, "16", "one"), "", kEnv);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto two = testing::run_attune(args({"launch", "--nproc", "2", "train"}, "8", "two"), "", kEnv);
  ASSERT_EQ(two.exit_code, 0) << two.err;

  const StateDict a = read_weights(dir.file("one/checkpoints/last.pt"));
  const StateDict b = read_weights(dir.file("two/checkpoints/last.pt"));
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].first, b[i].first);
    const double difference = (a[i].second - b[i].second).abs().max().item<double>();
    EXPECT_LE(difference, 1e-5) << a[i].first;
  }
  // The steps and the metrics over all ranks' examples agree too.
  const std::string summary_two = testing::read_text(dir.file("two/summary.json"));
  EXPECT_NE(summary_two.find("\"world_size\": 2"), std::string::npos) << summary_two;
  EXPECT_NE(summary_two.find("\"steps\": 14"), std::string::npos) << summary_two;  // 2 x ceil(100 / 16)
  const auto nj_one = nlohmann::json::parse(testing::read_text(dir.file("one/summary.json")));
  const auto nj_two = nlohmann::json::parse(summary_two);
  for (const char* key : {"train_loss", "val_loss", "val_accuracy"}) {
    EXPECT_NEAR(nj_one["final"][key].get<double>(), nj_two["final"][key].get<double>(), 1e-5) << key;
  }
  EXPECT_EQ(nj_two["backend"], "gloo");  // on the CPU, `auto` is Gloo
  EXPECT_FALSE(nj_one.contains("backend"));
  EXPECT_EQ(nj_one["precision"], "fp32");
}

// `launch --nproc 1` (or torchrun's WORLD_SIZE=1) is a job of one rank: its
// process group exists and reduces over the one rank, which changes nothing.
TEST(DataParallel, AOneRankJobEndsWhereOneProcessEnds) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 40);
  const auto one = testing::run_attune({"train", yaml, "train.epochs=1", "--run-dir", dir.file("one")}, "", kEnv);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto job = testing::run_attune(
      {"launch", "--nproc", "1", "train", yaml, "train.epochs=1", "--run-dir", dir.file("job")}, "", kEnv);
  ASSERT_EQ(job.exit_code, 0) << job.err;
  const auto summary = nlohmann::json::parse(testing::read_text(dir.file("job/summary.json")));
  EXPECT_EQ(summary["world_size"], 1);
  EXPECT_EQ(summary["backend"], "gloo");
  const StateDict a = read_weights(dir.file("one/checkpoints/last.pt"));
  const StateDict b = read_weights(dir.file("job/checkpoints/last.pt"));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i].second.equal(b[i].second)) << a[i].first;
}

TEST(DataParallel, LaunchTrainsAndWritesOneRunDirectory) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  fs::create_directories(dir.file("work"));
  const auto result =
      testing::run_attune({"launch", "--nproc", "2", "train", yaml, "train.epochs=1"}, dir.file("work"), kEnv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<fs::path> runs;
  for (const auto& entry : fs::directory_iterator(dir.file("work/runs"))) runs.push_back(entry.path());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(fs::exists(runs[0] / "checkpoints/last.pt"));
  EXPECT_NE(testing::read_text((runs[0] / "summary.json").string()).find("\"world_size\": 2"), std::string::npos);
  // One summary printed: rank 0's.
  size_t printed = 0;
  for (size_t at = result.out.find("\"world_size\""); at != std::string::npos;
       at = result.out.find("\"world_size\"", at + 1)) {
    ++printed;
  }
  EXPECT_EQ(printed, 1u) << result.out;
}

TEST(DataParallel, ResumedJobContinuesFromTheLastCheckpoint) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const auto first = testing::run_attune(
      {"launch", "--nproc", "2", "train", yaml, "train.epochs=2", "--run-dir", dir.file("run")}, "", kEnv);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // Pretend it stopped after epoch 2 of 3: the config asks for one more.
  std::string config = testing::read_text(dir.file("run/config.yaml"));
  config.replace(config.find("epochs: 2"), 9, "epochs: 3");
  testing::write_text(dir.file("run/config.yaml"), config);
  const auto resumed = testing::run_attune({"launch", "--nproc", "2", "train", "--resume", dir.file("run")}, "", kEnv);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto summary = nlohmann::json::parse(testing::read_text(dir.file("run/summary.json")));
  EXPECT_EQ(summary["epochs"].get<int64_t>(), 3);
  EXPECT_EQ(summary["world_size"].get<int64_t>(), 2);
}

TEST(DataParallel, AKilledRankMakesTheOtherExitWithinAMinute) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 200);
  const int port = free_loopback_port();
  std::vector<int> pids;
  for (int rank = 0; rank < 2; ++rank) {
    pids.push_back(testing::start_attune({"train", yaml, "train.epochs=1000", "--run-dir", dir.file("run")},
                                         dir.file(fmt::format("rank{}.log", rank)), rank_env(rank, port)));
  }
  ASSERT_TRUE(wait_for_file(dir.file("run/metrics.csv"), 120)) << testing::read_text(dir.file("rank0.log"));
  kill(pids[1], SIGKILL);
  // The bound: stopped within 60 s instead of hanging (a deadline, not a speed).
  const auto code = testing::wait_for_exit(pids[0], 60);
  if (!code) kill(pids[0], SIGKILL);
  ASSERT_TRUE(code.has_value()) << "rank 0 still runs 60 s after rank 1 died";
  EXPECT_NE(*code, 0);
  EXPECT_NE(testing::read_text(dir.file("rank0.log")).find("another rank has probably stopped"), std::string::npos)
      << testing::read_text(dir.file("rank0.log"));
  testing::wait_attune(pids[1]);
}

TEST(DataParallel, TheLauncherStopsTheJobWhenARankDies) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 200);
  const int launcher = testing::start_attune(
      {"launch", "--nproc", "2", "train", yaml, "train.epochs=1000", "--run-dir", dir.file("run")},
      dir.file("launch.log"), kEnv);
  ASSERT_TRUE(wait_for_file(dir.file("run/metrics.csv"), 120)) << testing::read_text(dir.file("launch.log"));
  // The launcher's children are the ranks; kill the last one.
  std::ifstream children(fmt::format("/proc/{0}/task/{0}/children", launcher));
  std::vector<int> ranks;
  for (int pid = 0; children >> pid;) ranks.push_back(pid);
  ASSERT_EQ(ranks.size(), 2u);
  kill(ranks.back(), SIGKILL);
  const auto code = testing::wait_for_exit(launcher, 60);
  if (!code) kill(-launcher, SIGKILL);
  ASSERT_TRUE(code.has_value()) << "the job still runs 60 s after a rank died";
  EXPECT_EQ(*code, 128 + SIGKILL);
  EXPECT_NE(testing::read_text(dir.file("launch.log")).find("was killed by signal 9; stopping the other 1 rank(s)"),
            std::string::npos)
      << testing::read_text(dir.file("launch.log"));
}

TEST(DataParallel, AnIncompleteEnvironmentIsAClearError) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 32);
  auto run = [&](const std::vector<std::string>& env) {
    return testing::run_attune({"train", yaml, "--run-dir", dir.file("run")}, "", env);
  };
  const auto no_address = run({"WORLD_SIZE=2", "RANK=0"});
  EXPECT_EQ(no_address.exit_code, 2);
  EXPECT_NE(no_address.err.find("WORLD_SIZE is set, so MASTER_ADDR must be too"), std::string::npos) << no_address.err;
  const auto bad_rank = run({"WORLD_SIZE=2", "RANK=5", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=29500"});
  EXPECT_EQ(bad_rank.exit_code, 2);
  EXPECT_NE(bad_rank.err.find("RANK=`5`: expected an integer from 0 to 1"), std::string::npos) << bad_rank.err;
  const auto no_rank = run({"WORLD_SIZE=2"});
  EXPECT_EQ(no_rank.exit_code, 2);
  EXPECT_NE(no_rank.err.find("so RANK must be too"), std::string::npos) << no_rank.err;
  const auto nccl = testing::run_attune({"launch", "--nproc", "2", "train", yaml, "device=cpu",
                                         "distributed.backend=nccl", "--run-dir", dir.file("nccl")},
                                        "", kEnv);
  EXPECT_EQ(nccl.exit_code, 2);
  EXPECT_NE(nccl.err.find("distributed.backend `nccl`"), std::string::npos) << nccl.err;
  const auto other = testing::run_attune({"launch", "--nproc", "2", "eval", dir.file("run")}, "", kEnv);
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("only `train` runs data-parallel"), std::string::npos) << other.err;
}

}  // namespace data_parallel_test
}  // namespace attune
