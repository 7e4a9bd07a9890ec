#include "core/experiment/experiment_config.h"

#include <regex>

#include "core/config/overrides.h"
#include "core/metrics/metric_goal.h"
#include "core/registry/plugin_loader.h"

namespace attune {

void EarlyStoppingConfig::declare(config::Schema<EarlyStoppingConfig>& s) {
  using E = EarlyStoppingConfig;
  s.field("metric", &E::metric, "metric watched for early stopping and for best.pt").one_of(ranked_metric_names());
  s.field("mode", &E::mode,
          "`auto`: the metric's own direction (losses fall, accuracy rises); `min` or `max` must agree with it");
  s.field("patience", &E::patience, "evaluations without improvement before stopping (0 = never stop)").at_least(0);
  s.field("min_delta", &E::min_delta, "smallest change that counts as an improvement").at_least(0);
  s.check("mode", [](const E& e) -> std::string {
    const auto asked = explicit_goal(e.mode);
    if (!asked) return "";
    return mode_conflict(e.metric, e.mode,
                         fmt::format("keep the checkpoint with {} as best.pt, and stop early while {} still improves",
                                     extreme_of(*asked, e.metric), e.metric));
  });
}

void TrainConfig::declare(config::Schema<TrainConfig>& s) {
  s.field("epochs", &TrainConfig::epochs, "passes over the training set").greater_than(0);
  s.field("batch_size", &TrainConfig::batch_size, "examples per optimizer step").greater_than(0);
  s.field("eval_batch_size", &TrainConfig::eval_batch_size, "examples per evaluation batch").greater_than(0);
  s.field("grad_clip_norm", &TrainConfig::grad_clip_norm, "clip the gradients' global L2 norm (0 = off)").at_least(0);
  s.field("skip_nonfinite", &TrainConfig::skip_nonfinite,
          "skip an optimizer step whose loss or gradient is NaN or Inf (false: stop the run there)");
  s.field("tensorboard", &TrainConfig::tensorboard,
          "write TensorBoard event files into the run folder (`tensorboard --logdir runs`)");
  s.field("tensorboard_histograms", &TrainConfig::tensorboard_histograms,
          "also a histogram of every parameter after each epoch");
  s.field("drop_last", &TrainConfig::drop_last, "drop the last incomplete batch of each epoch");
  s.field("progress", &TrainConfig::progress,
          "`bar` (live, on a terminal), `lines` (a line every few seconds), `none`; auto = bar on a terminal");
  s.field("early_stopping", &TrainConfig::early_stopping, "stop when the metric stops improving");
}

void DistributedConfig::declare(config::Schema<DistributedConfig>& s) {
  s.field("backend", &DistributedConfig::backend,
          "`auto` (NCCL on CUDA where LibTorch has it, else Gloo), `gloo` or `nccl`");
  s.field("timeout_seconds", &DistributedConfig::timeout_seconds,
          "how long a collective waits for a silent rank before the run stops with an error")
      .greater_than(0);
}

void ExperimentConfig::declare(config::Schema<ExperimentConfig>& s) {
  using E = ExperimentConfig;
  s.field("name", &E::name, "experiment name, used for the run folder");
  s.field("seed", &E::seed, "seed for initialisation, shuffling, dropout and splits");
  s.field("device", &E::device, "`auto` (CUDA when available), `cpu`, `cuda` or `cuda:N`");
  s.field(
      "precision", &E::precision,
      "`fp32`, or `bf16`: forward passes under autocast to bfloat16 (weights, gradients and optimizer stay float32)");
  s.field("threads", &E::threads, "intra-op CPU threads (0 = LibTorch's default)").at_least(0);
  s.field("plugins", &E::plugins, "shared libraries that register components, relative to this file").path();
  s.field("data", &E::data, "dataset: {type: text_classification, ...}").required();
  s.field("model", &E::model, "model: {type: transformer_classifier, ...}").required();
  s.field("init", &E::init, "initialisation rules in order; the last matching rule wins");
  s.field("optimizer", &E::optimizer, "optimizer: {type: adamw, lr: ..., param_groups: [...]}");
  s.field("scheduler", &E::scheduler, "learning-rate scheduler: {type: cosine, ...}");
  s.field("train", &E::train, "the training loop");
  s.field("search", &E::search, "hyperparameter search, run by `attune sweep` (`attune train` ignores it)");
  s.field("distributed", &E::distributed,
          "data-parallel training when started by `attune launch --nproc N` or torchrun (ignored otherwise)");
  s.check("device", [](const E& e) -> std::string {
    static const std::regex valid("auto|cpu|cuda(:[0-9]+)?");
    return std::regex_match(e.device, valid) ? ""
                                             : fmt::format("expected auto, cpu, cuda or cuda:N, got `{}`", e.device);
  });
}

LoadedExperiment load_experiment(const std::string& path, const std::vector<std::string>& overrides,
                                 const std::vector<std::string>& extra_plugins, bool inputs_only) {
  YAML::Node root = config::load_yaml_file(path);
  auto override_map = std::make_shared<config::OverrideMap>();
  for (const auto& text : overrides) config::apply_override(root, text, *override_map);
  return load_experiment_root(root, path, override_map, extra_plugins, inputs_only);
}

LoadedExperiment load_experiment_root(const YAML::Node& root, const std::string& path,
                                      std::shared_ptr<config::OverrideMap> override_map,
                                      const std::vector<std::string>& extra_plugins, bool inputs_only) {
  const auto base_dir = std::filesystem::absolute(path).parent_path();
  config::Context ctx(path, base_dir, override_map);
  ctx.set_inputs_only(inputs_only);

  // Plugins first: the rest of the file may name what they register.
  const YAML::Node plugin_node = root["plugins"];
  if (plugin_node.IsDefined() && !plugin_node.IsNull()) {
    const auto plugin_ctx = ctx.child("plugins", plugin_node);
    auto plugins = config::Codec<std::vector<std::string>>::parse(plugin_node, plugin_ctx);
    for (size_t i = 0; i < plugins.size(); ++i) {
      const YAML::Node item = plugin_node[i];
      const auto item_ctx = plugin_ctx.item(i, item);
      config::detail::check_path(plugins[i], config::PathKind::existing_file, item, item_ctx);
      load_plugin(plugins[i], item_ctx.location(item));
    }
  }
  std::vector<std::string> extra_absolute;
  for (const auto& plugin : extra_plugins) {
    const auto absolute = std::filesystem::absolute(plugin).lexically_normal().string();
    load_plugin(absolute, "--plugin " + plugin);
    extra_absolute.push_back(absolute);
  }

  LoadedExperiment loaded;
  loaded.path = path;
  loaded.config = config::Schema<ExperimentConfig>::instance().parse(root, ctx);
  for (const auto& plugin : extra_absolute) {
    if (std::find(loaded.config.plugins.begin(), loaded.config.plugins.end(), plugin) == loaded.config.plugins.end()) {
      loaded.config.plugins.push_back(plugin);
    }
  }
  loaded.resolved = config::Schema<ExperimentConfig>::instance().emit(loaded.config);
  return loaded;
}

std::string to_yaml(const YAML::Node& node) {
  YAML::Emitter out;
  out << node;
  return std::string(out.c_str()) + "\n";
}

}  // namespace attune
