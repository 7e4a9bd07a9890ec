#include "core/experiment/experiment_config.h"

#include <regex>

#include "core/config/overrides.h"
#include "core/metrics/metric_goal.h"
#include "core/registry/plugin_loader.h"
#include "core/text/suggest.h"

namespace attune {

void EarlyStoppingConfig::declare(config::Schema<EarlyStoppingConfig>& s) {
  using E = EarlyStoppingConfig;
  s.field("metric", &E::metric,
          "metric watched for early stopping and for best.pt: train_loss, val_loss or val_<one of train.metrics>");
  s.field("mode", &E::mode,
          "`auto`: the metric's own direction (losses fall, accuracy rises); `min` or `max` must agree with it");
  s.field("patience", &E::patience, "evaluations without improvement before stopping (0 = never stop)").at_least(0);
  s.field("min_delta", &E::min_delta, "smallest change that counts as an improvement").at_least(0);
}

void EmaConfig::declare(config::Schema<EmaConfig>& s) {
  s.field("decay", &EmaConfig::decay,
          "after each optimizer step, ema = decay x ema + (1 - decay) x weights; 0 = off. Evaluations then also "
          "score the average (val_ema_loss, val_ema_<metric>); early stopping on a val_ema_ column keeps the "
          "average as best.pt, which predict and export use")
      .at_least(0)
      .less_than(1);
  s.field("warmup", &EmaConfig::warmup,
          "the decay of update n (from 0) is min(decay, (1 + n) / (10 + n)), as TensorFlow's "
          "ExponentialMovingAverage with num_updates: early weights are not averaged in for long");
}

MetricGoal EarlyStoppingConfig::goal() const {
  return resolve_goal(column_goal(metric), mode);
}

std::vector<std::string> ranked_columns(const TrainConfig& train) {
  std::vector<std::string> columns = {metric::train_loss, metric::val_loss};
  for (const auto& entry : train.metrics) columns.push_back(metric_column(entry.type));
  if (train.ema.decay > 0) {
    columns.push_back(metric::val_ema_loss);
    for (const auto& entry : train.metrics) columns.push_back(ema_metric_column(entry.type));
  }
  return columns;
}

namespace {

/// The node at `keys` under `root`, and the context that names it; an
/// undefined node (the key is absent) gets the nearest present ancestor's place.
std::pair<YAML::Node, config::Context> node_at(const YAML::Node& root, const config::Context& ctx,
                                               const std::vector<std::string>& keys) {
  YAML::Node node;
  node.reset(root);  // reset, not `=`: yaml-cpp's assignment would write into the document
  config::Context at = ctx;
  for (const auto& key : keys) {
    const YAML::Node& parent = node;  // const: a lookup must not add the key
    const YAML::Node child = parent.IsMap() ? parent[key] : YAML::Node();
    at = at.child(key, child);
    if (!child.IsDefined()) return {node, at};
    node.reset(child);
  }
  return {node, at};
}

/// A `metric:` key (with its `mode:`) names a column this experiment fills,
/// and the mode agrees with the metric's direction. `consequence` says what
/// a contradicting mode would do.
void check_metric_key(const YAML::Node& root, const config::Context& ctx, const std::vector<std::string>& section,
                      const std::string& metric, MetricMode mode, const std::vector<std::string>& columns,
                      const std::string& consequence) {
  auto keys = section;
  keys.push_back("metric");
  const auto [node, at] = node_at(root, ctx, keys);
  if (std::find(columns.begin(), columns.end(), metric) == columns.end()) {
    at.fail(
        node,
        fmt::format("`{}` is not a column this experiment's evaluations fill{}", metric, did_you_mean(metric, columns)),
        fmt::format("; they fill {} (add a metric to train.metrics for another val_ column)", quoted_list(columns)));
  }
  keys.back() = "mode";
  const auto [mode_node, mode_at] = node_at(root, ctx, keys);
  const std::string conflict = mode_conflict(metric, column_goal(metric), mode, consequence);
  if (!conflict.empty()) mode_at.fail(mode_node, conflict);
}

void check_metric_keys(const YAML::Node& root, const config::Context& ctx, ExperimentConfig& config) {
  const auto columns = ranked_columns(config.train);
  const auto& stopping = config.train.early_stopping;
  check_metric_key(root, ctx, {"train", "early_stopping"}, stopping.metric, stopping.mode, columns,
                   fmt::format("keep the checkpoint with {} as best.pt, and stop early while {} still improves",
                               extreme_of(stopping.goal(), stopping.metric), stopping.metric));
  auto& search = config.search;
  // A sweep also measures each trial (its size, training time, latency).
  auto search_columns = columns;
  search_columns.insert(search_columns.end(), {metric::parameters, metric::train_seconds, metric::latency_ms});
  for (size_t i = 0; i < search.objectives.size(); ++i) {
    const auto& objective = search.objectives[i];
    const auto [list, list_at] = node_at(root, ctx, {"search", "objectives"});
    const YAML::Node item = list.IsSequence() && i < list.size() ? YAML::Node(list[i]) : list;
    const config::Context item_at = list.IsSequence() ? list_at.item(i, item) : list_at;
    check_metric_key(
        item, item_at, {}, objective.metric, objective.mode, search_columns,
        fmt::format("count {} as the better end of the front", extreme_of(objective.goal(), objective.metric)));
  }
  if (!search.objectives.empty()) {
    // The first objective is the one trials are ranked by and best.yaml is.
    const auto& first = search.objectives.front();
    const bool other_metric = !search.metric.empty() && search.metric != first.metric;
    const bool other_mode = explicit_goal(search.mode) && search.mode != first.mode;
    if (other_metric || other_mode) {
      const auto [node, at] = node_at(root, ctx, {"search", other_metric ? "metric" : "mode"});
      at.fail(node,
              other_metric ? fmt::format("is `{}`, but the first of search.objectives is `{}`: the first objective "
                                         "is the metric that ranks trials",
                                         search.metric, first.metric)
                           : fmt::format("is `{}`, but the first of search.objectives has mode `{}`: the first "
                                         "objective is the metric that ranks trials, in its mode",
                                         config::name_of(search.mode), config::name_of(first.mode)),
              "; drop search.metric and search.mode, or list them as the first objective");
    }
    search.metric = first.metric;
    search.mode = first.mode;
    return;
  }
  if (search.metric.empty()) {
    // A sweep ranks by what picks each trial's best epoch, unless told otherwise.
    search.metric = stopping.metric;
    if (!explicit_goal(search.mode)) return;
  }
  check_metric_key(root, ctx, {"search"}, search.metric, search.mode, search_columns,
                   fmt::format("rank the trial with {} first", extreme_of(search.goal(), search.metric)));
}

}  // namespace

void TrainConfig::declare(config::Schema<TrainConfig>& s) {
  s.field("epochs", &TrainConfig::epochs, "passes over the training set").greater_than(0);
  s.field("max_steps", &TrainConfig::max_steps,
          "optimizer steps to train, whatever train.epochs says (0 = train.epochs): the run stops in the epoch that "
          "reaches them, evaluates, and the lr schedule's length is this many steps")
      .at_least(0);
  s.field("batch_size", &TrainConfig::batch_size,
          "examples per forward pass on each process; an optimizer step takes batch_size x accumulate_steps x "
          "processes")
      .greater_than(0);
  s.field("accumulate_steps", &TrainConfig::accumulate_steps,
          "forward/backward passes of batch_size whose gradients add up before each optimizer step (gradient "
          "accumulation: the step's batch is batch_size x accumulate_steps, the schedule ticks once per step)")
      .greater_than(0);
  s.field("save_top_k", &TrainConfig::save_top_k,
          "checkpoints kept by train.early_stopping.metric, as Lightning's ModelCheckpoint: 1 = best.pt alone; k > 1 "
          "also the k best evaluations as checkpoints/top/epoch=E-step=S.pt; -1 = every evaluation")
      .at_least(-1);
  s.check("save_top_k", [](const TrainConfig& t) {
    return t.save_top_k == 0 ? "0 would keep no best checkpoint; use 1 (best.pt alone) or more" : "";
  });
  s.field("eval_every_steps", &TrainConfig::eval_every_steps,
          "evaluate every this many optimizer steps of the run, and after its last (0 = after each epoch): each "
          "evaluation is a metrics.csv row (train_loss over the steps since the last), may become best.pt, counts "
          "for early stopping's patience and reduce_on_plateau, and leaves a last.pt to resume from")
      .at_least(0);
  s.field("log_every_steps", &TrainConfig::log_every_steps,
          "every this many optimizer steps, TensorBoard scalars train_step/loss (the mean since the last), lr, "
          "grad_norm and samples_per_second (0 = off)")
      .at_least(0);
  s.check("log_every_steps", [](const TrainConfig& t) {
    return t.log_every_steps > 0 && !t.tensorboard ? "writes TensorBoard scalars, but train.tensorboard is false; set "
                                                     "train.tensorboard: true, or drop log_every_steps"
                                                   : "";
  });
  s.field("ema", &TrainConfig::ema, "exponential moving average of the weights: {decay: 0.999}");
  s.field("eval_batch_size", &TrainConfig::eval_batch_size, "examples per evaluation batch").greater_than(0);
  s.field("grad_clip_norm", &TrainConfig::grad_clip_norm, "clip the gradients' global L2 norm (0 = off)").at_least(0);
  s.field("skip_nonfinite", &TrainConfig::skip_nonfinite,
          "skip an optimizer step whose loss or gradient is NaN or Inf (false: stop the run there)");
  s.field("finite_check_every", &TrainConfig::finite_check_every,
          "optimizer steps per check that the gradients' norm is finite: 1 reads it after every step (on a GPU, one "
          "wait for the device a step); N > 1 keeps the norms on the device and reads them every N steps and before "
          "each evaluation, checkpoint and log line, so a fault stops the run up to N - 1 steps later (still naming "
          "its step; no checkpoint is written after it). fp16's loss scaler checks every step regardless")
      .at_least(1);
  s.check("finite_check_every", [](const TrainConfig& t) {
    return t.finite_check_every > 1 && t.skip_nonfinite
               ? "a step is known to be non-finite only when checked, after it was applied, so it cannot be "
                 "skipped: set train.skip_nonfinite: false, or finite_check_every: 1"
               : "";
  });
  s.field("tensorboard", &TrainConfig::tensorboard,
          "write TensorBoard event files into the run folder (`tensorboard --logdir runs`)");
  s.field("tensorboard_histograms", &TrainConfig::tensorboard_histograms,
          "also a histogram of every parameter after each epoch");
  s.field("drop_last", &TrainConfig::drop_last, "drop the last incomplete batch of each epoch");
  s.field("progress", &TrainConfig::progress,
          "`bar` (live, on a terminal), `lines` (a line every few seconds), `none`; auto = bar on a terminal");
  s.field("loss", &TrainConfig::loss,
          "training objective: cross_entropy (classification; weights, label_smoothing), mse or huber (regression)");
  s.field("metrics", &TrainConfig::metrics,
          "metrics of each evaluation, each a column val_<name> (attune list metrics); a name or {type: f1, average: "
          "macro}");
  s.field("callbacks", &TrainConfig::callbacks,
          "C++ hooks into the loop, from plugins (attune list callbacks), called in this order");
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
  s.field("precision", &E::precision,
          "`fp32`; `bf16`: forward passes under autocast to bfloat16 (weights, gradients and optimizer stay float32; "
          "on a CPU, fast only with AVX-512 or bfloat16 instructions); "
          "`fp16` (CUDA): autocast to float16 with dynamic loss scaling as PyTorch's GradScaler");
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
  check_metric_keys(root, ctx, loaded.config);
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
