#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/search/tpe_sampler.h"
#include "core/sweep/sweep_spec.h"
#include "core/sweep/trial_store.h"

namespace attune {

/// Every trial in the store as TPE learns from it, in trial order: complete
/// ones with their score (the mean of their folds' scores), pruned ones with
/// the last value reported by the fold that was stopped, running and pending
/// ones by their values alone; failed ones are left out.
std::vector<TpeObservation> tpe_history(TrialStore& store);

/// For a sequential strategy (tpe): chooses the next trial from what the
/// store holds now and adds it, claimed by `worker`. nullopt when the sweep
/// already has `search.trials` trials, or its strategy draws them up front.
std::optional<int64_t> propose_trial(const SweepSpec& spec, TrialStore& store, const std::string& worker);

}  // namespace attune
