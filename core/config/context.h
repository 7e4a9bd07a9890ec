#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace attune::config {

/// Keys set by overrides, by dotted key path ("model.num_heads"), with where
/// the value came from, as messages name it ("override `model.num_heads=8`",
/// "search trial 3: `model.num_heads=8`").
using OverrideMap = std::map<std::string, std::string>;

/// Where parsing stands in an experiment YAML: the file, the dotted key being
/// read, and which keys came from command-line overrides. Every config error
/// is made here, so each names the file, line, column and key.
class Context {
 public:
  Context(std::string file, std::filesystem::path base_dir, std::shared_ptr<const OverrideMap> overrides = nullptr);

  /// The context of `key` inside the current map.
  Context child(const std::string& key, const YAML::Node& node) const;
  /// The context of item `index` of the current list.
  Context item(size_t index, const YAML::Node& node) const;

  const std::string& file() const { return file_; }
  const std::string& key_path() const { return key_path_; }
  /// Where the override that set this key or one of its parents came from.
  const std::string* override_text() const;
  /// Relative paths resolve against the YAML file's folder, or against the
  /// working directory for values given as overrides.
  std::filesystem::path resolve_path(const std::string& path) const;

  /// Whether the document is read to use a trained model, not to train:
  /// training files (PathKind::training_data) need not exist.
  bool inputs_only() const { return inputs_only_; }
  void set_inputs_only(bool inputs_only) { inputs_only_ = inputs_only; }

  /// "file.yaml:12:5" or "override `k=v`": where the value being read is.
  std::string location(const YAML::Node& node) const;

  /// Throws a config error at `node`: "<where>: <key>: <problem><hint>".
  [[noreturn]] void fail(const YAML::Node& node, const std::string& problem, const std::string& hint = "") const;

 private:
  std::string file_;
  std::filesystem::path base_dir_;
  std::shared_ptr<const OverrideMap> overrides_;
  std::string key_path_;
  bool inputs_only_ = false;
  YAML::Mark nearest_mark_;  // of the nearest ancestor with a position
};

/// "a map", "a list", "`abc`": what a node is, for "expected X, got Y".
std::string describe(const YAML::Node& node);

}  // namespace attune::config
