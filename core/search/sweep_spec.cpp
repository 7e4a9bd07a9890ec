#include "core/search/sweep_spec.h"

#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/config/overrides.h"
#include "core/io/atomic_file.h"

namespace attune {
namespace {

// FNV-1a: stable across runs, machines and standard libraries.
std::string stable_hash(const std::string& text) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", hash);
}

// The keys a section keeps when its component's type changes.
std::vector<std::string> section_keys(const std::string& section) {
  if (section == "scheduler") return config::Schema<LrScheduleConfig>::instance().keys();
  if (section == "optimizer") return config::Schema<OptimizerConfig>::instance().keys();
  if (section.rfind("init.", 0) == 0) return config::Schema<InitRule>::instance().keys();
  return {"type"};
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
  if (key.size() <= suffix.size() || key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) {
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
  const auto seed = static_cast<uint64_t>(s.seed >= 0 ? s.seed : base_.config.seed);
  trials_ = s.strategy == "grid" ? grid_trials(s.space) : random_trials(s.space, s.trials, seed);
  std::string fingerprint = to_yaml(base_.resolved);
  for (size_t i = 0; i < trials_.size(); ++i) {
    trial_experiment(trials_[i], static_cast<int64_t>(i));  // every trial must be a valid experiment
    fingerprint += params_to_json(trials_[i]) + "\n";
  }
  spec_hash_ = stable_hash(fingerprint);
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
