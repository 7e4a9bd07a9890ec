#pragma once

#include <string>

#include "core/sweep/sweep_spec.h"
#include "core/sweep/trial_store.h"

namespace attune {

/// "host:pid" of this process, as the trial store records workers.
std::string worker_id();

/// Puts back to pending the running trials of workers on this machine whose
/// process is gone (a killed worker or sweep); returns how many.
int release_dead_local_workers(TrialStore& store);

/// A sweep worker: claims trials from the store one at a time until none is
/// left, and runs each: every cross-validation fold through the Trainer
/// (resuming a fold from its checkpoint), reporting each epoch's metric to
/// the store and the pruner, recording each fold as it ends. `label` prefixes
/// its log lines.
void run_sweep_worker(const SweepSpec& spec, TrialStore& store, const std::string& label);

/// The folder a trial's fold trains in.
std::string fold_run_dir(const SweepSpec& spec, int64_t trial, int64_t fold);

}  // namespace attune
