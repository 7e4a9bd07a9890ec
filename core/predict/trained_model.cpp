#include "core/predict/trained_model.h"

#include <fmt/ranges.h>

#include <filesystem>

#include "core/io/run_directory.h"
#include "core/io/safetensors.h"
#include "core/text/suggest.h"
#include "core/train/checkpoint.h"

namespace attune {
namespace {

// An export's weights by the model's own names: every parameter and buffer
// present with its shape, nothing left over.
void load_exported_weights(const std::string& path, Model& model) {
  StateDict state = read_safetensors(path);
  std::map<std::string, torch::Tensor> by_name(state.begin(), state.end());
  torch::NoGradGuard no_grad;
  auto copy = [&](const std::string& name, torch::Tensor& target) {
    auto it = by_name.find(name);
    if (it == by_name.end()) input_error("{}: has no tensor `{}`, which the model needs", path, name);
    if (it->second.sizes() != target.sizes()) {
      input_error("{}: tensor `{}` has shape [{}], the model's is [{}]", path, name,
                  fmt::join(it->second.sizes(), ", "), fmt::join(target.sizes(), ", "));
    }
    target.copy_(it->second);
    by_name.erase(it);
  };
  for (auto& item : model.named_parameters()) copy(item.key(), item.value());
  for (auto& item : model.named_buffers()) copy(item.key(), item.value());
  if (!by_name.empty()) {
    input_error(
        "{}: tensor `{}` is not among the model's parameters: the config.yaml beside it describes another model", path,
        by_name.begin()->first);
  }
}

}  // namespace

std::string run_checkpoint(const std::string& folder, const std::string& choice) {
  const RunDirectory run(folder);
  if (choice == "best") return run.best_checkpoint();
  if (choice == "last") return run.last_checkpoint();
  if (std::filesystem::is_regular_file(choice)) return choice;
  input_error("--checkpoint `{}`: expected `best`, `last` or a checkpoint file{}", choice,
              did_you_mean(choice, {"best", "last"}));
}

bool is_export_folder(const std::string& folder) {
  return std::filesystem::is_regular_file(folder + "/model.safetensors") &&
         !std::filesystem::exists(folder + "/checkpoints");
}

TrainedModel load_trained_model(const std::string& folder, const TrainedModelOptions& options) {
  const RunDirectory run(folder);
  const std::string config_path = run.file("config.yaml");
  if (!std::filesystem::is_directory(folder)) input_error("{}: no such folder (expected a run or an export)", folder);
  if (!std::filesystem::exists(config_path)) {
    input_error("{}: not a run or an export folder (no config.yaml)", folder);
  }
  TrainedModel trained;
  trained.folder = folder;
  trained.is_export = is_export_folder(folder);
  std::vector<std::string> overrides;
  if (!options.device.empty()) overrides.push_back("device=" + options.device);
  const auto loaded = load_experiment(config_path, overrides, options.plugins, /*inputs_only=*/true);
  BuildOptions build;
  build.label_names = run.read_labels();
  build.inputs_only = true;
  trained.experiment = build_experiment(loaded, build);
  if (trained.is_export) {
    if (options.checkpoint != "best") {
      input_error("{} is an export with one set of weights: --checkpoint `{}` is for run folders", folder,
                  options.checkpoint);
    }
    trained.weights = run.file("model.safetensors");
    load_exported_weights(trained.weights, *trained.experiment.model);
  } else {
    trained.weights = run_checkpoint(folder, options.checkpoint);
    load_checkpoint(trained.weights, *trained.experiment.model, nullptr, /*restore_rng=*/false);
  }
  trained.experiment.model->eval();
  return trained;
}

}  // namespace attune
