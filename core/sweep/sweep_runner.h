#pragma once

#include <string>
#include <vector>

namespace attune {

/// `attune sweep`'s arguments.
struct SweepOptions {
  std::string experiment;
  std::vector<std::string> overrides;
  std::vector<std::string> plugins;
  std::string sweep_dir;  // default: sweeps/<name>
  int64_t workers = 0;    // 0: search.workers
  std::string storage;    // "": search.storage, or SQLite in the sweep folder
};

/// Runs (or resumes) a sweep: validates every trial, creates the trials in
/// the store, runs them in this process or in `workers` worker processes
/// (restarting any that dies), then writes results.csv, best.yaml and the
/// plots, prints the ranked table, and refits the best configuration if asked.
/// Returns the exit code.
int run_sweep(const SweepOptions& options);

/// The hidden `attune sweep-worker` a sweep starts: one worker loop over the
/// sweep described by `spec_path` (its sweep.json).
int run_sweep_worker_process(const std::string& spec_path, int index, int threads);

}  // namespace attune
