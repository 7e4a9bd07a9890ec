#include "core/sweep/sweep_spec.h"

#include <fmt/ranges.h>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/config/overrides.h"
#include "core/io/atomic_file.h"
#include "core/search/pruner.h"
#include "core/text/text_fields.h"

namespace attune {
namespace {

// The keys a section keeps when its component's type changes.
std::vector<std::string> section_keys(const std::string& section) {
  if (section == "scheduler") return config::Schema<LrScheduleConfig>::instance().keys();
  if (section == "optimizer") return config::Schema<OptimizerConfig>::instance().keys();
  if (section.rfind("init.", 0) == 0) return config::Schema<InitRule>::instance().keys();
  return {"type"};
}

// Every leaf of `node` as (dotted key, value in YAML flow style); list items
// are keyed by position, as overrides address them.
void flatten(const YAML::Node& node, const std::string& key, nlohmann::ordered_json& out) {
  if (node.IsMap() && node.size() > 0) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      flatten(it->second, key.empty() ? it->first.Scalar() : key + "." + it->first.Scalar(), out);
    }
  } else if (node.IsSequence() && node.size() > 0) {
    for (size_t i = 0; i < node.size(); ++i) flatten(node[i], key + "." + std::to_string(i), out);
  } else {
    out[key] = describe_value(node);
  }
}

// Whether a trial's value for the searched `searched` replaces the base
// config's `key`: the key itself and everything under it, and for a type
// (`scheduler.type`) the section's options that the type brings along.
bool replaced_by_search(const std::string& key, const std::string& searched) {
  if (key == searched || starts_with(key, searched + ".")) return true;
  const std::string suffix = ".type";
  if (searched.size() <= suffix.size() || !ends_with(searched, suffix)) return false;
  const std::string section = searched.substr(0, searched.size() - suffix.size());
  if (!starts_with(key, section + ".")) return false;
  const std::string option = key.substr(section.size() + 1, key.find('.', section.size() + 1) - section.size() - 1);
  const auto kept = section_keys(section);
  return option == "type" || std::find(kept.begin(), kept.end(), option) == kept.end();
}

std::string meaning_of(const LoadedExperiment& base) {
  const SearchConfig& search = base.config.search;
  nlohmann::ordered_json meaning = nlohmann::ordered_json::object();
  // Of `search:`, only what decides how a trial is trained and scored; first,
  // so that a changed set of searched keys is what a refusal names (rather
  // than the base value the new key no longer uses).
  std::vector<std::string> keys;
  for (const auto& d : search.space.dimensions) keys.push_back(d.key);
  std::sort(keys.begin(), keys.end());  // trials are matched by values: the order written does not matter
  meaning["search.space"] = fmt::format("[{}]", fmt::join(keys, ", "));
  meaning["search.cv_folds"] = std::to_string(search.cv_folds);
  meaning["search.metric"] = search.metric;
  meaning["search.mode"] = to_mode(search.goal());  // `auto` and its direction written out mean the same
  if (search.multi_objective()) {  // only then: a single-objective store made before objectives stays valid
    std::vector<std::string> objectives;
    for (const auto& o : search.objectives) objectives.push_back(o.metric + " " + to_mode(o.goal()));
    meaning["search.objectives"] = fmt::format("[{}]", fmt::join(objectives, ", "));
  }
  const PrunerConfig& pruner = search.pruner;
  meaning["search.pruner.type"] = config::name_of(pruner.type);
  switch (pruner.type) {
    case PrunerType::none:
      break;
    case PrunerType::asha:
    case PrunerType::hyperband:
      meaning["search.pruner.min_epochs"] = std::to_string(pruner.min_epochs);
      meaning["search.pruner.reduction_factor"] = std::to_string(pruner.reduction_factor);
      meaning["search.pruner.max_epochs"] = std::to_string(pruner.max_epochs);
      if (search.multi_objective()) meaning["search.pruner.margin"] = fmt::format("{}", pruner.margin);
      break;
    case PrunerType::median:
      meaning["search.pruner.min_epochs"] = std::to_string(pruner.min_epochs);
      meaning["search.pruner.startup_trials"] = std::to_string(pruner.startup_trials);
      break;
  }
  // The rest of the experiment, less what every trial sets for itself.
  YAML::Node resolved = YAML::Clone(base.resolved);
  resolved.remove("search");
  nlohmann::ordered_json all = nlohmann::ordered_json::object();
  flatten(resolved, "", all);
  for (const auto& [key, value] : all.items()) {
    const bool searched = std::any_of(search.space.dimensions.begin(), search.space.dimensions.end(),
                                      [&](const SearchDimension& d) { return replaced_by_search(key, d.key); });
    if (!searched) meaning[key] = value;
  }
  return meaning.dump();
}

YAML::Node load_root(const SweepSpec& spec, config::OverrideMap& overrides) {
  YAML::Node root = config::load_yaml_file(spec.experiment);
  for (const auto& text : spec.overrides) config::apply_override(root, text, overrides);
  return root;
}

}  // namespace

void apply_search_value(YAML::Node& root, const std::string& key, const YAML::Node& value, const std::string& text,
                        config::OverrideMap& overrides) {
  const std::string suffix = ".type";
  if (key.size() <= suffix.size() || !ends_with(key, suffix)) {
    config::apply_override(root, key, YAML::Clone(value), text, overrides);
    return;
  }
  const std::string section = key.substr(0, key.size() - suffix.size());
  YAML::Node replaced(YAML::NodeType::Map);
  // Find the section as written (if it is) to keep its own keys.
  YAML::Node current;
  current.reset(root);
  bool found = true;
  size_t start = 0;
  while (found && start <= section.size()) {
    const size_t dot = section.find('.', start);
    const std::string part = section.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const YAML::Node view = current;  // const lookups never insert
    YAML::Node next;
    if (view.IsMap() && view[part].IsDefined()) {
      next.reset(view[part]);
    } else if (view.IsSequence() && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit) &&
               std::stoul(part) < view.size()) {
      next.reset(view[std::stoul(part)]);
    } else {
      found = false;
    }
    if (found) current.reset(next);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  const auto keep = section_keys(section);
  if (found && current.IsMap()) {
    for (auto it = current.begin(); it != current.end(); ++it) {
      const std::string name = it->first.Scalar();
      if (name != "type" && std::find(keep.begin(), keep.end(), name) != keep.end())
        replaced[name] = YAML::Clone(it->second);
    }
  }
  if (value.IsMap()) {
    for (auto it = value.begin(); it != value.end(); ++it) replaced[it->first.Scalar()] = YAML::Clone(it->second);
  } else {
    replaced["type"] = YAML::Clone(value);
  }
  config::apply_override(root, section, replaced, text, overrides);
}

void SweepSpec::prepare() {
  auto overrides = std::make_shared<config::OverrideMap>();
  const YAML::Node root = load_root(*this, *overrides);
  base_ = load_experiment_root(root, experiment, overrides, plugins);
  const SearchConfig& s = base_.config.search;
  if (s.space.dimensions.empty()) {
    input_error("{}: `search.space` is empty: give the keys to search, e.g. `optimizer.lr: [1.0e-4, 1.0e-3]`",
                experiment);
  }
  if (base_.config.train.eval_every_steps > 0) {
    // The trial store and the pruners count a trial's evaluations by epoch.
    input_error(
        "{}: train.eval_every_steps is {}, but a sweep evaluates its trials once an epoch (its pruners and results "
        "count epochs); remove it for `attune sweep`, or train the best configuration with it afterwards",
        experiment, base_.config.train.eval_every_steps);
  }
  make_pruner(s.pruner, s.goal(), base_.config.train.epochs, name());  // its settings refused here, not in a worker
  switch (s.strategy) {
    case SearchStrategy::grid:
      trials_ = grid_trials(s.space);
      break;
    case SearchStrategy::random:
      trials_ = random_trials(s.space, s.trials, sampling_seed());
      break;
    case SearchStrategy::tpe:
      trials_ = random_trials(s.space, std::min(s.trials, s.tpe.startup_trials), sampling_seed());
      break;
  }
  for (size_t i = 0; i < trials_.size(); ++i) {
    trial_experiment(trials_[i], static_cast<int64_t>(i));  // every trial must be a valid experiment
  }
  meaning_ = meaning_of(base_);
}

uint64_t SweepSpec::sampling_seed() const {
  const SearchConfig& s = base_.config.search;
  return static_cast<uint64_t>(s.seed >= 0 ? s.seed : base_.config.seed);
}

LoadedExperiment SweepSpec::trial_experiment(const TrialParams& params, int64_t trial) const {
  auto overrides = std::make_shared<config::OverrideMap>();
  YAML::Node root = load_root(*this, *overrides);
  for (const auto& [key, value] : params) {
    apply_search_value(root, key, value, fmt::format("search trial {}: `{}={}`", trial, key, describe_value(value)),
                       *overrides);
  }
  return load_experiment_root(root, experiment, overrides, plugins);
}

void SweepSpec::save(const std::string& path) const {
  const nlohmann::json json{{"experiment", experiment}, {"overrides", overrides}, {"plugins", plugins},
                            {"sweep_dir", sweep_dir},   {"storage", storage},     {"workers", workers}};
  write_file_atomically(path, json.dump(2) + "\n");
}

SweepSpec SweepSpec::load(const std::string& path) {
  SweepSpec spec;
  try {
    const auto json = nlohmann::json::parse(read_text_file(path));
    spec.experiment = json.at("experiment").get<std::string>();
    spec.overrides = json.at("overrides").get<std::vector<std::string>>();
    spec.plugins = json.at("plugins").get<std::vector<std::string>>();
    spec.sweep_dir = json.at("sweep_dir").get<std::string>();
    spec.storage = json.at("storage").get<std::string>();
    spec.workers = json.at("workers").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    input_error("{}: not a sweep description: {}", path, e.what());
  }
  spec.prepare();
  return spec;
}

}  // namespace attune
