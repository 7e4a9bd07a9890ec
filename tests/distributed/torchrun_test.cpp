// torchrun's environment contract, as real processes on loopback: ranks
// started by an agent that serves the job's store itself (torchrun's static
// rendezvous, TORCHELASTIC_USE_AGENT_STORE=True) train as `attune launch`'s
// do; a rank that cannot join stops the others at once, with its message; a
// restarted attempt continues the run; the environment is checked variable by
// variable. The agent is tests/distributed/agent_launcher.py (Debian's own
// torchrun, torch 1.13, cannot start a worker under Python 3.11);
// scripts/device-check.sh runs pip's real torchrun on a GPU machine.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glob.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "core/distributed/distributed.h"
#include "core/io/weights_file.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace torchrun_test {

namespace fs = std::filesystem;

// USE_LIBUV=0: torchrun's agent (PyTorch >= 2.4) serves the store with libuv
// unless told not to, and a torch built without libuv (Debian 13's) refuses.
const std::vector<std::string> kEnv = {"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "USE_LIBUV=0"};

/// The command line of tests/distributed/agent_launcher.py with `options`
/// (what torchrun's agent does, with test-only options), up to the worker's
/// command.
std::vector<std::string> agent_launcher(const std::vector<std::string>& options) {
  std::vector<std::string> argv = {testing::python(), testing::source_dir() + "/tests/distributed/agent_launcher.py"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  return argv;
}

/// The command line of Debian's own torchrun (torch 1.13) with `options`, up
/// to the worker's command. Under Python 3.11 it crashes on its default
/// --redirects 0 / --tee 0 (Std.from_str maps "0" and "3" to None there: an
/// IntFlag no longer iterates its zero and multi-bit members); 1 works. Its
/// logs go to `log_dir`.
std::vector<std::string> real_torchrun(const std::vector<std::string>& options, const std::string& log_dir) {
  std::vector<std::string> argv = {
      testing::python(), "-m",   "torch.distributed.run", "--redirects", "1", "--tee", "1", "--monitor_interval", "0.1",
      "--log_dir",       log_dir};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--no_python");
  return argv;
}

/// Starts `launcher` followed by `attune` and `args` (the workers' command),
/// in `working_dir`, all output to `log`. Returns its pid, the leader of a
/// process group of its own.
int start_job(const std::vector<std::string>& launcher, const std::vector<std::string>& args,
              const std::string& working_dir, const std::string& log) {
  std::vector<std::string> argv = launcher;
  argv.push_back(testing::attune_binary());
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    if (!working_dir.empty() && chdir(working_dir.c_str()) != 0) _exit(127);
    if (!freopen(log.c_str(), "w", stdout) || dup2(fileno(stdout), 2) < 0) _exit(127);
    for (const auto& variable : kEnv) putenv(strdup(variable.c_str()));
    std::vector<char*> pointers;
    for (auto& arg : argv) pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    execv(pointers[0], pointers.data());
    _exit(127);
  }
  setpgid(pid, pid);
  return pid;
}

/// The child of `launcher` whose environment has LOCAL_RANK=`local_rank`, or 0.
int worker_of(int launcher, int local_rank) {
  const std::string wanted = "LOCAL_RANK=" + std::to_string(local_rank);
  for (const auto& task : fs::directory_iterator(fmt::format("/proc/{}/task", launcher))) {
    std::ifstream children(task.path() / "children");
    for (int child = 0; children >> child;) {
      std::ifstream environ(fmt::format("/proc/{}/environ", child), std::ios::binary);
      for (std::string variable; std::getline(environ, variable, '\0');) {
        if (variable == wanted) return child;
      }
    }
  }
  return 0;
}

/// Once a file matches `pattern`, kills the worker of `launcher` with
/// `local_rank`. False if none matched within `seconds` or no such worker ran.
bool kill_worker_once(const std::string& pattern, int launcher, int local_rank, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    glob_t found{};
    const bool exists = glob(pattern.c_str(), 0, nullptr, &found) == 0;
    globfree(&found);
    if (exists) {
      const int worker = worker_of(launcher, local_rank);
      return worker > 0 && kill(worker, SIGKILL) == 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

/// metrics.csv as column -> values, without the columns of wall time (which
/// no two runs share).
std::map<std::string, std::vector<std::string>> read_metrics(const std::string& path) {
  std::istringstream in(testing::read_text(path));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> names;
  for (std::istringstream header(line); std::getline(header, line, ',');) names.push_back(line);
  std::map<std::string, std::vector<std::string>> columns;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    for (const auto& name : names) {
      std::string value;
      std::getline(row, value, ',');
      if (name.find("second") == std::string::npos && name.find("time") == std::string::npos) {
        columns[name].push_back(value);
      }
    }
  }
  return columns;
}

/// Two runs' checkpoints hold the same parameters, and their metrics agree.
void expect_same_run(const std::string& expected_dir, const std::string& actual_dir) {
  const auto expected_metrics = read_metrics(expected_dir + "/metrics.csv");
  const auto actual_metrics = read_metrics(actual_dir + "/metrics.csv");
  ASSERT_TRUE(expected_metrics.count("val_loss")) << testing::read_text(expected_dir + "/metrics.csv");
  EXPECT_EQ(expected_metrics, actual_metrics) << testing::read_text(expected_dir + "/metrics.csv") << "\n---\n"
                                              << testing::read_text(actual_dir + "/metrics.csv");
  const StateDict a = read_weights(expected_dir + "/checkpoints/last.pt");
  const StateDict b = read_weights(actual_dir + "/checkpoints/last.pt");
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second))
        << a[i].first << " differs by " << (a[i].second - b[i].second).abs().max().item<double>();
  }
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<fs::path> folders_in(const std::string& dir) {
  std::vector<fs::path> folders;
  if (fs::exists(dir)) {
    for (const auto& entry : fs::directory_iterator(dir)) folders.push_back(entry.path());
  }
  return folders;
}

// One job, started by `attune launch`, by agent_launcher.py and by Debian's
// real torchrun, with its static rendezvous (the agent serves the store:
// TORCHELASTIC_USE_AGENT_STORE=True) and its c10d one (rank 0 serves it): the
// same metrics and parameters, to the bit.
TEST(Torchrun, JobsStartedByTorchrunTrainAsAttuneLaunchDoes) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 100);
  const std::vector<std::string> common = {yaml, "train.epochs=2", "train.batch_size=8"};
  auto train = [&](const std::string& run) {
    std::vector<std::string> args = {"train"};
    args.insert(args.end(), common.begin(), common.end());
    args.insert(args.end(), {"--run-dir", dir.file(run)});
    return args;
  };
  std::vector<std::string> launch = {"launch", "--nproc", "2"};
  for (const auto& arg : train("launch")) launch.push_back(arg);
  const auto launched = testing::run_attune(launch, "", kEnv);
  ASSERT_EQ(launched.exit_code, 0) << launched.err;

  const std::vector<std::pair<std::string, std::vector<std::string>>> launchers = {
      {"agent", agent_launcher({"--nproc", "2"})},
      {"torchrun-static",
       real_torchrun({"--nproc_per_node", "2", "--master_port", std::to_string(free_loopback_port())},
                     dir.file("logs-static"))},
      {"torchrun-c10d", real_torchrun({"--nproc_per_node", "2", "--rdzv_backend", "c10d", "--rdzv_endpoint",
                                       "127.0.0.1:" + std::to_string(free_loopback_port()), "--rdzv_id", "job7"},
                                      dir.file("logs-c10d"))},
  };
  for (const auto& [name, launcher] : launchers) {
    SCOPED_TRACE(name);
    const int job = start_job(launcher, train(name), "", dir.file(name + ".log"));
    const auto code = testing::wait_for_exit(job, 300);
    const std::string log = testing::read_text(dir.file(name + ".log"));
    ASSERT_EQ(code, std::optional<int>(0)) << log;
    expect_same_run(dir.file("launch"), dir.file(name));
    const auto summary = nlohmann::json::parse(testing::read_text(dir.file(name + "/summary.json")));
    EXPECT_EQ(summary["world_size"].get<int64_t>(), 2);
  }
}

// One rank cannot join (its experiment file is missing, its environment is
// wrong); the other, left running, stops by itself with that rank's message
// long before distributed.timeout_seconds (600 s here) would have ended its
// wait: the bound below is a fifth of it.
struct JoinFailure {
  const char* name;
  std::vector<std::string> agent_options;  // beyond --nproc 2 --no-stop
  int missing_experiment;                  // the rank whose experiment file does not exist, or -1
  std::vector<std::string> expected;       // in the job's output
};

void PrintTo(const JoinFailure& c, std::ostream* out) {
  *out << c.name;
}

class TorchrunJoinFailure : public ::testing::TestWithParam<JoinFailure> {};

TEST_P(TorchrunJoinFailure, TheOtherRankStopsWithItsMessage) {
  const JoinFailure& c = GetParam();
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  // `${local_rank}` is torchrun's macro: rank r reads exp<r>.yaml.
  for (int rank = 0; rank < 2; ++rank) {
    if (rank != c.missing_experiment) fs::copy_file(yaml, dir.file(fmt::format("exp{}.yaml", rank)));
  }
  std::vector<std::string> options = {"--nproc", "2", "--no-stop"};
  options.insert(options.end(), c.agent_options.begin(), c.agent_options.end());
  const int agent = start_job(
      agent_launcher(options),
      {"train", dir.file("exp${local_rank}.yaml"), "distributed.timeout_seconds=600", "--run-dir", dir.file("run")}, "",
      dir.file("agent.log"));
  const auto code = testing::wait_for_exit(agent, 120);
  const std::string log = testing::read_text(dir.file("agent.log"));
  ASSERT_TRUE(code.has_value()) << "the job still ran after 120 s:\n" << log;
  // The failed rank exits 2 (bad input), the other 1, by itself (--no-stop).
  EXPECT_TRUE(contains(log, "exited with 2")) << log;
  EXPECT_TRUE(contains(log, "exited with 1")) << log;
  for (const auto& part : c.expected) EXPECT_TRUE(contains(log, part)) << part << "\n" << log;
}

INSTANTIATE_TEST_SUITE_P(
    Torchrun, TorchrunJoinFailure,
    ::testing::Values(
        JoinFailure{"Rank1ExperimentMissing",
                    {},
                    1,
                    {"local rank 1 exited with 2", "local rank 0 exited with 1",
                     "rank 0 of 2: stopping, because rank 1 failed while joining the job: ", "exp1.yaml"}},
        JoinFailure{"Rank0ExperimentMissing",
                    {},
                    0,
                    {"local rank 0 exited with 2", "local rank 1 exited with 1",
                     "rank 1 of 2: stopping, because rank 0 failed while joining the job: ", "exp0.yaml"}},
        JoinFailure{"Rank0LocalRankOutOfRange",
                    {"--set", "0:LOCAL_RANK=2"},
                    -1,
                    {"local rank 0 exited with 2", "local rank 1 exited with 1",
                     "rank 1 of 2: stopping, because rank 0 failed while joining the job: environment: "
                     "LOCAL_RANK=`2`: expected an integer from 0 to 1 (LOCAL_WORLD_SIZE=2"}},
        // Which of the two finds the other first is up to the store.
        JoinFailure{"TwoProcessesWithRank0",
                    {"--set", "1:RANK=0", "--set", "1:ROLE_RANK=0", "--set", "1:LOCAL_RANK=0"},
                    -1,
                    {"rank 0 of 2: stopping, because rank 0 failed while joining the job: rank 0: another process of "
                     "this job also has RANK=0"}}),
    [](const auto& info) { return std::string(info.param.name); });

// Without torchrun's agent (as `attune launch` starts them) rank 0 serves the
// store: when it is rank 0 that fails, it keeps the store up long enough for
// the other to read why.
TEST(Torchrun, WhereRankZeroServesTheStoreAFailedRankStopsTheOtherToo) {
  for (int failed : {0, 1}) {
    SCOPED_TRACE(fmt::format("rank {} fails", failed));
    testing::TempDir dir;
    const auto yaml = testing::write_tiny_experiment(dir, 64);
    const int port = free_loopback_port();
    std::vector<int> pids;
    for (int rank = 0; rank < 2; ++rank) {
      std::vector<std::string> env = kEnv;
      for (const std::string& v :
           {"RANK=" + std::to_string(rank), std::string("WORLD_SIZE=2"), "LOCAL_RANK=" + std::to_string(rank),
            std::string("MASTER_ADDR=127.0.0.1"), "MASTER_PORT=" + std::to_string(port)}) {
        env.push_back(v);
      }
      pids.push_back(testing::start_attune({"train", rank == failed ? dir.file("missing.yaml") : yaml,
                                            "distributed.timeout_seconds=600", "--run-dir", dir.file("run")},
                                           dir.file(fmt::format("rank{}.log", rank)), env));
    }
    const auto failed_code = testing::wait_for_exit(pids[failed], 120);
    const auto survivor_code = testing::wait_for_exit(pids[1 - failed], 120);
    const std::string survivor_log = testing::read_text(dir.file(fmt::format("rank{}.log", 1 - failed)));
    EXPECT_EQ(failed_code, std::optional<int>(2)) << testing::read_text(dir.file(fmt::format("rank{}.log", failed)));
    ASSERT_EQ(survivor_code, std::optional<int>(1)) << survivor_log;
    EXPECT_TRUE(contains(survivor_log, fmt::format("stopping, because rank {} failed while joining the job: ", failed)))
        << survivor_log;
    EXPECT_TRUE(contains(survivor_log, "missing.yaml")) << survivor_log;
  }
}

// attempt 0 is killed after its first checkpoint; attempt 1
// (TORCHELASTIC_RESTART_COUNT=1) continues that run in the same folder and
// ends exactly where an uninterrupted `attune launch` run ends. With
// torchrun's default run id (`none`) the folder is found through the agent's
// store; with a run id (c10d rendezvous) it is named after it.
TEST(Torchrun, ARestartedAttemptContinuesTheRun) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 200);
  const std::vector<std::string> common = {yaml, "train.epochs=4", "train.batch_size=8"};
  std::vector<std::string> launch = {"launch", "--nproc", "2", "train"};
  launch.insert(launch.end(), common.begin(), common.end());
  launch.insert(launch.end(), {"--run-dir", dir.file("reference")});
  const auto reference = testing::run_attune(launch, "", kEnv);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;

  struct Variant {
    std::string name;
    std::vector<std::string> launcher;
    bool killed_by_launcher;  // else by this test
    std::string folder;       // expected name; empty: any
  };
  const auto checkpoint = [&](const std::string& name) { return dir.file(name) + "/runs/*/checkpoints/last.pt"; };
  const std::vector<Variant> variants = {
      {"agent",
       agent_launcher({"--nproc", "2", "--max-restarts", "1", "--kill-in-first-attempt", "1:" + checkpoint("agent")}),
       true, ""},
      {"torchrun-static",
       real_torchrun(
           {"--nproc_per_node", "2", "--max_restarts", "1", "--master_port", std::to_string(free_loopback_port())},
           dir.file("logs-static")),
       false, ""},
      {"torchrun-c10d",
       real_torchrun({"--nproc_per_node", "2", "--max_restarts", "1", "--rdzv_backend", "c10d", "--rdzv_endpoint",
                      "127.0.0.1:" + std::to_string(free_loopback_port()), "--rdzv_id", "job7"},
                     dir.file("logs-c10d")),
       false, "tiny-job7"},
  };
  std::vector<std::string> args = {"train"};
  args.insert(args.end(), common.begin(), common.end());
  for (const auto& v : variants) {
    SCOPED_TRACE(v.name);
    fs::create_directories(dir.file(v.name));
    const std::string log_path = dir.file(v.name + ".log");
    const int job = start_job(v.launcher, args, dir.file(v.name), log_path);
    if (!v.killed_by_launcher) {
      EXPECT_TRUE(kill_worker_once(checkpoint(v.name), job, 1, 300)) << testing::read_text(log_path);
    }
    const auto code = testing::wait_for_exit(job, 300);
    const std::string log = testing::read_text(log_path);
    ASSERT_EQ(code, std::optional<int>(0)) << log;
    // Attempt 1 took over from a checkpoint (had attempt 0 finished first, it would not have run).
    ASSERT_TRUE(contains(log, "attune: torchrun attempt 1 of 1: continuing ")) << log;
    const auto runs = folders_in(dir.file(v.name + "/runs"));
    ASSERT_EQ(runs.size(), 1u) << log;
    if (!v.folder.empty()) EXPECT_EQ(runs[0].filename().string(), v.folder);
    expect_same_run(dir.file("reference"), runs[0].string());
  }

  // A new job with that run id is no restart: it stops rather than write over
  // the run, and rank 1 stops with rank 0's message.
  const int again = start_job(agent_launcher({"--nproc", "2", "--no-stop", "--run-id", "job7"}), args,
                              dir.file("torchrun-c10d"), dir.file("again.log"));
  const auto code = testing::wait_for_exit(again, 120);
  const std::string log = testing::read_text(dir.file("again.log"));
  EXPECT_EQ(code, std::optional<int>(1)) << log;
  EXPECT_TRUE(contains(log, "(named after torchrun's run id, TORCHELASTIC_RUN_ID=job7) already holds a run")) << log;
  EXPECT_TRUE(contains(log, "rank 1 of 2: stopping, because rank 0 failed while choosing the run folder")) << log;
  EXPECT_TRUE(contains(log, "local rank 0 exited with 2")) << log;
}

// Each variable is checked against the others and named when wrong.
TEST(Torchrun, TheEnvironmentIsCheckedVariableByVariable) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 32);
  struct Case {
    std::vector<std::string> env;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"LOCAL_RANK=2", "LOCAL_WORLD_SIZE=2"},
       "LOCAL_RANK=`2`: expected an integer from 0 to 1 (LOCAL_WORLD_SIZE=2: the ranks on this machine)"},
      {{"LOCAL_WORLD_SIZE=3"}, "LOCAL_WORLD_SIZE=`3`: expected an integer from 1 to 2 (WORLD_SIZE=2)"},
      {{"LOCAL_RANK=1"}, "LOCAL_RANK=1 is above RANK=0"},
      {{"RANK=1", "LOCAL_RANK=0", "LOCAL_WORLD_SIZE=2"}, "put this machine's ranks at 1 to 2, past WORLD_SIZE=2"},
      {{"GROUP_RANK=1", "GROUP_WORLD_SIZE=1"}, "GROUP_RANK=`1`: expected an integer from 0 to 0 (GROUP_WORLD_SIZE=1"},
      {{"ROLE_WORLD_SIZE=1"}, "ROLE_WORLD_SIZE=1 differs from WORLD_SIZE=2"},
      {{"ROLE_RANK=1"}, "ROLE_RANK=1 differs from RANK=0"},
      {{"TORCHELASTIC_USE_AGENT_STORE=1"}, "TORCHELASTIC_USE_AGENT_STORE=`1`: expected `True` or `False`"},
      {{"TORCHELASTIC_USE_AGENT_STORE=True"},
       "TORCHELASTIC_USE_AGENT_STORE=True, so TORCHELASTIC_RESTART_COUNT must be set too"},
      {{"TORCHELASTIC_RESTART_COUNT=3", "TORCHELASTIC_MAX_RESTARTS=2"},
       "TORCHELASTIC_RESTART_COUNT=`3`: expected an integer from 0 to 2 (TORCHELASTIC_MAX_RESTARTS=2)"},
  };
  // All at once: a rank 0 that fails keeps its store up a few seconds for
  // peers that never come here.
  std::vector<int> pids;
  for (size_t i = 0; i < cases.size(); ++i) {
    std::vector<std::string> env = {"WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1",
                                    "MASTER_PORT=" + std::to_string(free_loopback_port())};
    bool has_rank = false;
    for (const auto& v : cases[i].env) has_rank = has_rank || v.rfind("RANK=", 0) == 0;
    if (!has_rank) env.push_back("RANK=0");
    env.insert(env.end(), cases[i].env.begin(), cases[i].env.end());
    pids.push_back(testing::start_attune({"train", yaml, "--run-dir", dir.file("run")},
                                         dir.file(fmt::format("case{}.log", i)), env));
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto code = testing::wait_for_exit(pids[i], 120);
    const std::string log = testing::read_text(dir.file(fmt::format("case{}.log", i)));
    EXPECT_EQ(code, std::optional<int>(2)) << log;
    EXPECT_TRUE(contains(log, cases[i].message)) << cases[i].message << "\n" << log;
  }
}

// A rank that reaches no store stops after distributed.timeout_seconds,
// naming the address and what to check; so does rank 0 when a rank never
// comes, naming it.
TEST(Torchrun, AStoreOrRankThatNeverComesIsNamedAfterTheTimeout) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 32);
  const int port = free_loopback_port();
  auto run = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> env = {"WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port)};
    env.insert(env.end(), extra.begin(), extra.end());
    return testing::run_attune({"train", yaml, "distributed.timeout_seconds=2", "--run-dir", dir.file("run")}, "", env);
  };
  const auto agent_missing = run({"RANK=0", "TORCHELASTIC_USE_AGENT_STORE=True", "TORCHELASTIC_RESTART_COUNT=0"});
  EXPECT_EQ(agent_missing.exit_code, 1);
  EXPECT_TRUE(
      contains(agent_missing.err, fmt::format("rank 0: cannot reach the job's store at 127.0.0.1:{} within 2 s", port)))
      << agent_missing.err;
  EXPECT_TRUE(contains(agent_missing.err, "check that torchrun's agent (TORCHELASTIC_USE_AGENT_STORE=True) runs there"))
      << agent_missing.err;
  const auto rank_zero_missing = run({"RANK=1"});
  EXPECT_EQ(rank_zero_missing.exit_code, 1);
  EXPECT_TRUE(contains(rank_zero_missing.err, "check that rank 0 of the job runs there")) << rank_zero_missing.err;
  const auto rank_one_missing = run({"RANK=0"});
  EXPECT_EQ(rank_one_missing.exit_code, 1);
  EXPECT_TRUE(
      contains(rank_one_missing.err,
               fmt::format("rank 0 of 2: rank(s) 1 did not arrive at the rendezvous at 127.0.0.1:{} within 2 s", port)))
      << rank_one_missing.err;
}

}  // namespace torchrun_test
}  // namespace attune
