#pragma once

#include <string>
#include <vector>

#include "core/experiment/experiment.h"

namespace attune {

/// Where a trained model's weights come from and where it runs.
struct TrainedModelOptions {
  /// `best` or `last` (a run's checkpoints), or a checkpoint file. An export
  /// has one set of weights and accepts only `best`.
  std::string checkpoint = "best";
  /// cpu, cuda, cuda:N; empty = the run's own `device:`.
  std::string device;
  /// Plugin libraries to load besides the run's own `plugins:`.
  std::vector<std::string> plugins;
};

/// A trained model ready to use: the run's (or export's) config.yaml and
/// labels.json read, the data's inputs side and the model built (no training
/// files read), the weights loaded, in eval mode.
struct TrainedModel {
  Experiment experiment;
  std::string folder;
  /// The file the weights came from.
  std::string weights;
  /// Whether `folder` is an export (`attune export --to safetensors`) rather than a run.
  bool is_export = false;

  const std::vector<std::string>& labels() const { return experiment.data->label_names(); }
  Model& model() const { return *experiment.model; }
};

/// Whether `folder` is an export: config.yaml, labels.json and model.safetensors, no checkpoints.
bool is_export_folder(const std::string& folder);

/// The checkpoint file `best`, `last` or a path names in a run folder.
std::string run_checkpoint(const std::string& folder, const std::string& choice);

/// Loads a run folder or an export. InputError for a folder that is neither,
/// an unknown checkpoint, or weights that do not fit the model (naming them).
TrainedModel load_trained_model(const std::string& folder, const TrainedModelOptions& options = {});

}  // namespace attune
