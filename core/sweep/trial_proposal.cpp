#include "core/sweep/trial_proposal.h"

#include <algorithm>

namespace attune {

std::vector<TpeObservation> tpe_history(TrialStore& store) {
  std::vector<TpeObservation> history;
  for (const auto& record : store.trials()) {
    TpeObservation observation;
    observation.params = params_from_json(record.params_json);
    switch (record.status) {
      case TrialStatus::failed:
        continue;
      case TrialStatus::pending:
      case TrialStatus::running:
        observation.state = TpeObservation::State::running;
        break;
      case TrialStatus::complete: {
        const auto folds = store.folds(record.trial);
        if (folds.empty()) continue;
        double sum = 0;
        for (const auto& fold : folds) sum += fold.value;
        observation.value = sum / static_cast<double>(folds.size());
        // Several objectives: each one's mean over the folds (none when a fold lacks them).
        observation.values = folds.front().objectives;
        for (size_t f = 1; f < folds.size(); ++f) {
          if (folds[f].objectives.size() != observation.values.size()) observation.values.clear();
          for (size_t k = 0; k < observation.values.size(); ++k) observation.values[k] += folds[f].objectives[k];
        }
        for (double& v : observation.values) v /= static_cast<double>(folds.size());
        break;
      }
      case TrialStatus::pruned: {
        observation.state = TpeObservation::State::pruned;
        for (const auto& fold : store.folds(record.trial)) {
          if (!fold.pruned) continue;
          const auto reports = store.fold_history(record.trial, fold.fold);
          const auto last = std::max_element(reports.begin(), reports.end(),
                                             [](const auto& a, const auto& b) { return a.epoch < b.epoch; });
          if (last != reports.end()) {
            observation.step = last->epoch;
            observation.value = last->value;
          }
        }
        break;
      }
    }
    history.push_back(std::move(observation));
  }
  return history;
}

std::optional<int64_t> propose_trial(const SweepSpec& spec, TrialStore& store, const std::string& worker) {
  const SearchConfig& search = spec.search();
  if (search.strategy != SearchStrategy::tpe) return std::nullopt;
  const auto history = tpe_history(store);
  const auto stored = static_cast<int64_t>(store.trials().size());
  if (stored >= search.trials) return std::nullopt;
  const TpeSampler sampler = search.multi_objective() ? TpeSampler(search.space, search.tpe, search.goals())
                                                      : TpeSampler(search.space, search.tpe, search.goal());
  const TrialParams params = sampler.suggest(history, spec.sampling_seed(), stored);
  return store.add_trial(params_to_json(params), worker, search.trials);
}

}  // namespace attune
