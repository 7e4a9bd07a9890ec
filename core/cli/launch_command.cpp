// `attune launch --nproc N COMMAND ...`: N processes of one data-parallel job
// on this machine, with the environment torchrun gives (RANK, WORLD_SIZE,
// LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), so that a job
// launched here and one launched by torchrun run the same code.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "core/cli/commands.h"
#include "core/distributed/distributed.h"
#include "core/error.h"
#include "core/process/spawn_self.h"

namespace attune::cli {
namespace {

pid_t start_rank(const std::vector<std::string>& command, int rank, int nproc, int port, int threads) {
  SpawnOptions options;
  options.env = {{"RANK", std::to_string(rank)},        {"LOCAL_RANK", std::to_string(rank)},
                 {"WORLD_SIZE", std::to_string(nproc)}, {"LOCAL_WORLD_SIZE", std::to_string(nproc)},
                 {"MASTER_ADDR", "127.0.0.1"},          {"MASTER_PORT", std::to_string(port)}};
  // Each rank its share of the cores (a user's own setting wins), as torchrun does.
  options.env_defaults = {{"OMP_NUM_THREADS", std::to_string(threads)},
                          {"OPENBLAS_NUM_THREADS", std::to_string(threads)}};
  return spawn_self(command, options);
}

std::string describe(int status) {
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {}", WTERMSIG(status));
  return fmt::format("exited with code {}", WEXITSTATUS(status));
}

int exit_code_of(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

}  // namespace

CommandRunner add_launch_command(CLI::App& app) {
  struct Arguments {
    int nproc = 2;
    int port = 0;
    std::vector<std::string> command;
  };
  auto args = std::make_shared<Arguments>();
  auto* command = app.add_subcommand(
      "launch", "run an attune command as N data-parallel processes on this machine (as torchrun --nproc-per-node)");
  command->add_option("--nproc", args->nproc, "processes (ranks) to start")->check(CLI::Range(1, 1024));
  command->add_option("--master-port", args->port, "rank 0's rendezvous port (default: a free one)")
      ->check(CLI::Range(1, 65535));
  // Everything from the first word that is not launch's own option on is
  // the command the ranks run, its options included.
  command->prefix_command();
  command->footer("COMMAND: train EXP.yaml [k=v ...] [--run-dir DIR], or train --resume RUN_DIR");
  return [args, command]() {
    args->command = command->remaining();
    if (args->command.empty())
      input_error("launch: give the command to run, e.g. attune launch --nproc 2 train EXP.yaml");
    if (args->command.front() != "train") {
      input_error("launch: `{}`: only `train` runs data-parallel (e.g. attune launch --nproc 2 train EXP.yaml)",
                  args->command.front());
    }
    const int port = args->port > 0 ? args->port : free_loopback_port();
    const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const int threads = std::max(1, cores / args->nproc);
    std::map<pid_t, int> ranks;
    for (int rank = 0; rank < args->nproc; ++rank) {
      ranks[start_rank(args->command, rank, args->nproc, port, threads)] = rank;
    }
    // Wait for all; the first rank to fail stops the others (they would
    // otherwise wait for it in their next collective until the timeout).
    int result = 0;
    bool kill_pending = false;
    std::chrono::steady_clock::time_point kill_at;
    while (!ranks.empty()) {
      int status = 0;
      const pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid < 0) break;
      if (pid == 0) {
        // Ranks that ignore SIGTERM for 10 s are killed.
        if (kill_pending && std::chrono::steady_clock::now() > kill_at) {
          for (const auto& [other, _] : ranks) kill(other, SIGKILL);
          kill_pending = false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      const auto it = ranks.find(pid);
      if (it == ranks.end()) continue;
      const int rank = it->second;
      ranks.erase(it);
      if (exit_code_of(status) != 0 && result == 0) {
        result = exit_code_of(status);
        fmt::print(stderr, "attune launch: rank {} {}; stopping the other {} rank(s)\n", rank, describe(status),
                   ranks.size());
        for (const auto& [other, _] : ranks) kill(other, SIGTERM);
        kill_pending = true;
        kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      }
    }
    return result;
  };
}

}  // namespace attune::cli
