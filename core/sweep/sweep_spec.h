#pragma once

#include <string>
#include <vector>

#include "core/experiment/experiment_config.h"
#include "core/search/strategies.h"

namespace attune {

/// What a sweep is: the experiment (file, overrides, plugins), where it
/// writes, its store, and the trials it generates. Saved as sweep.json in the
/// sweep folder, from which worker processes rebuild it.
struct SweepSpec {
  std::string experiment;  // absolute path of the YAML
  std::vector<std::string> overrides;
  std::vector<std::string> plugins;
  std::string sweep_dir;  // absolute
  std::string storage;    // store URL
  int64_t workers = 1;

  /// Loads and validates the experiment and every trial's config (so that a
  /// bad trial fails before any training). Throws InputError.
  void prepare();

  const LoadedExperiment& base() const { return base_; }
  const SearchConfig& search() const { return base_.config.search; }
  /// The trials known before any runs: grid and random's all, tpe's random
  /// start-up ones (the rest it proposes as trials finish, propose_trial).
  const std::vector<TrialParams>& trials() const { return trials_; }
  /// `search.seed`, or the experiment's seed when it is -1.
  uint64_t sampling_seed() const;
  /// What a trial of this sweep means, as a JSON object of dotted config key
  /// to value (YAML flow text): the resolved base config without the keys
  /// each trial sets, and of `search:` what decides how a trial is scored
  /// (cv_folds, metric, the resolved mode, the pruner and the searched keys),
  /// not what only decides which trials there are or where they run (trials,
  /// the space's values, strategy, seed, workers, storage,
  /// stale_after_seconds, refit). The store refuses a run whose meaning
  /// differs, naming the key, and lets one with more trials continue.
  const std::string& meaning() const { return meaning_; }
  /// The sweep's name in the store (the experiment's name).
  const std::string& name() const { return base_.config.name; }

  /// A trial's experiment: the YAML with the CLI overrides and its values.
  LoadedExperiment trial_experiment(const TrialParams& params, int64_t trial) const;

  void save(const std::string& path) const;
  static SweepSpec load(const std::string& path);

 private:
  LoadedExperiment base_;
  std::vector<TrialParams> trials_;
  std::string meaning_;
};

/// Applies one searched value to a YAML root. For a key naming a component's
/// type (`scheduler.type`), the component's own options are replaced, not
/// merged: a map value (`{type: exponential, gamma: 0.9}`) brings its
/// options along, a name takes that type's defaults; the section's own keys
/// (interval, warmup_steps, param_groups, match, kind) stay.
void apply_search_value(YAML::Node& root, const std::string& key, const YAML::Node& value, const std::string& text,
                        config::OverrideMap& overrides);

}  // namespace attune
