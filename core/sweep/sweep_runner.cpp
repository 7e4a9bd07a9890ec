#include "core/sweep/sweep_runner.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/experiment/experiment.h"
#include "core/process/spawn_self.h"
#include "core/sweep/sweep_results.h"
#include "core/sweep/sweep_worker.h"
#include "core/train/trainer.h"

namespace attune {
namespace {

namespace fs = std::filesystem;

std::string store_url(const SweepOptions& options, const SweepSpec& spec) {
  if (!options.storage.empty()) return options.storage;
  if (!spec.search().storage.empty()) return spec.search().storage;
  return "sqlite://" + spec.sweep_dir + "/trials.db";
}

/// Starts `attune sweep-worker` as a child with its output in a log file and
/// its share of the CPU threads (LibTorch's and OpenBLAS's).
pid_t start_worker(const std::string& spec_path, int index, int threads, const std::string& log) {
  const std::string count = std::to_string(threads);
  SpawnOptions options;
  options.env = {{"OPENBLAS_NUM_THREADS", count}, {"OMP_NUM_THREADS", count}};
  options.log = log;
  return spawn_self({"sweep-worker", spec_path, "--index", std::to_string(index), "--threads", count}, options);
}

void run_workers(const SweepSpec& spec, const std::string& spec_path, TrialStore& store) {
  const int workers = static_cast<int>(spec.workers);
  const int threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / workers);
  fs::create_directories(spec.sweep_dir + "/logs");
  std::map<pid_t, int> running;
  for (int i = 0; i < workers; ++i) {
    running[start_worker(spec_path, i, threads, fmt::format("{}/logs/worker_{}.log", spec.sweep_dir, i))] = i;
  }
  size_t reported = 0;
  auto report = [&] {
    const auto trials = store.trials();
    size_t done = 0;
    for (const auto& t : trials)
      done += t.status == TrialStatus::complete || t.status == TrialStatus::pruned || t.status == TrialStatus::failed;
    // A sequential strategy adds trials as it goes, up to search.trials.
    const size_t total = spec.search().strategy == SearchStrategy::tpe
                             ? std::max(trials.size(), static_cast<size_t>(spec.search().trials))
                             : trials.size();
    if (done != reported) fmt::print(stderr, "sweep {}: {}/{} trials done\n", spec.name(), done, total);
    reported = done;
  };
  while (!running.empty()) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0 && running.count(pid)) {
      const int index = running[pid];
      running.erase(pid);
      if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        // A worker died: its trial goes back to the queue and a new worker takes over.
        const int released = release_dead_local_workers(store);
        fmt::print(stderr, "worker {} stopped ({}); {} trial(s) back to the queue; restarting it\n", index,
                   WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status))
                                       : fmt::format("exit code {}", WEXITSTATUS(status)),
                   released);
        running[start_worker(spec_path, index, threads, fmt::format("{}/logs/worker_{}.log", spec.sweep_dir, index))] =
            index;
      }
      continue;
    }
    report();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  report();
}

}  // namespace

int run_sweep(const SweepOptions& options) {
  SweepSpec spec;
  spec.experiment = fs::absolute(options.experiment).lexically_normal().string();
  spec.overrides = options.overrides;
  for (const auto& plugin : options.plugins) spec.plugins.push_back(fs::absolute(plugin).lexically_normal().string());
  spec.prepare();
  spec.sweep_dir =
      fs::absolute(options.sweep_dir.empty() ? "sweeps/" + spec.name() : options.sweep_dir).lexically_normal().string();
  spec.workers = options.workers > 0 ? options.workers : spec.search().workers;
  fs::create_directories(spec.sweep_dir);
  spec.storage = store_url(options, spec);
  const std::string spec_path = spec.sweep_dir + "/sweep.json";
  spec.save(spec_path);

  auto store = open_trial_store(spec.storage, spec.name());
  std::vector<std::string> params;
  for (const auto& trial : spec.trials()) params.push_back(params_to_json(trial));
  const int64_t added = store->open_sweep(spec.meaning(), params);
  const size_t total = store->trials().size();
  fmt::print(stderr, "sweep {}: {} trials{}{}{}, {} worker(s), store {}\n", spec.name(), total,
             spec.search().cv_folds >= 2 ? fmt::format(" x {} folds", spec.search().cv_folds) : "",
             added > 0 && static_cast<size_t>(added) < total
                 ? fmt::format(" ({} new, added to the {} already in the store)", added, total - added)
                 : "",
             spec.search().strategy == SearchStrategy::tpe && static_cast<int64_t>(total) < spec.search().trials
                 ? fmt::format(" ({} more to be chosen by TPE)", spec.search().trials - static_cast<int64_t>(total))
                 : "",
             spec.workers, spec.storage);

  if (spec.workers == 1) {
    run_sweep_worker(spec, *store, "");
  } else {
    run_workers(spec, spec_path, *store);
  }
  const SweepResults results = collect_results(spec, *store);
  write_results(spec, results);
  fmt::print("{}", ranked_table(spec, results));
  if (spec.search().refit) refit_best(spec, results);
  return 0;
}

int run_sweep_worker_process(const std::string& spec_path, int index, int threads) {
  configure_threads(threads);
  const SweepSpec spec = SweepSpec::load(spec_path);
  auto store = open_trial_store(spec.storage, spec.name());
  run_sweep_worker(spec, *store, fmt::format("[worker {}] ", index));
  return 0;
}

}  // namespace attune
