#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "callbacks/callback.h"
#include "core/data/dataset.h"
#include "core/distributed/backend.h"
#include "core/metrics/metric_names.h"
#include "core/optim/optimizer_config.h"
#include "core/search/search_config.h"
#include "initializers/init_rules.h"
#include "losses/loss.h"
#include "metrics/metric.h"
#include "models/model.h"
#include "schedulers/lr_schedule.h"

namespace attune {

/// `train.early_stopping`: also picks which checkpoint is best.pt.
struct EarlyStoppingConfig {
  std::string metric = metric::val_accuracy;
  MetricMode mode = MetricMode::automatic;
  int64_t patience = 0;
  double min_delta = 0.0;
  /// The direction `metric` is watched in: `mode`, or the metric's own for `auto`.
  MetricGoal goal() const;
  static void declare(config::Schema<EarlyStoppingConfig>& s);
};

/// `train.ema`: an exponential moving average of the weights, evaluated and
/// checkpointed beside them.
struct EmaConfig {
  double decay = 0.0;  // 0 = off
  bool warmup = true;
  static void declare(config::Schema<EmaConfig>& s);
};

/// `train.progress`: how training shows its progress on stderr.
enum class ProgressStyle { automatic, bar, lines, none };
inline const config::EnumNames<ProgressStyle>& enum_names(ProgressStyle) {
  static const config::EnumNames<ProgressStyle> names = {{ProgressStyle::automatic, "auto"},
                                                         {ProgressStyle::bar, "bar"},
                                                         {ProgressStyle::lines, "lines"},
                                                         {ProgressStyle::none, "none"}};
  return names;
}

/// `train:` the loop itself.
struct TrainConfig {
  int64_t epochs = 3;
  int64_t max_steps = 0;
  int64_t batch_size = 32;
  int64_t accumulate_steps = 1;
  int64_t save_top_k = 1;
  int64_t eval_every_steps = 0;
  int64_t log_every_steps = 0;
  EmaConfig ema;
  int64_t eval_batch_size = 256;
  double grad_clip_norm = 0.0;
  bool skip_nonfinite = false;
  int64_t finite_check_every = 1;
  bool tensorboard = true;
  bool tensorboard_histograms = false;
  bool drop_last = false;
  ProgressStyle progress = ProgressStyle::automatic;
  Component<LossKind> loss{"cross_entropy"};
  std::vector<Component<MetricKind>> metrics{Component<MetricKind>{"accuracy"}};
  std::vector<Component<CallbackKind>> callbacks;
  EarlyStoppingConfig early_stopping;
  static void declare(config::Schema<TrainConfig>& s);
};

/// The columns of metrics.csv an evaluation fills (train_loss, val_loss and
/// `val_<metric>` for each of `train.metrics`): what early stopping, best.pt,
/// reduce_on_plateau, `search.metric` and the pruners can rank by.
std::vector<std::string> ranked_columns(const TrainConfig& train);

/// `distributed:` how data-parallel ranks (started by `attune launch` or
/// torchrun) talk to each other.
struct DistributedConfig {
  DistributedBackend backend = DistributedBackend::automatic;
  double timeout_seconds = 300;
  static void declare(config::Schema<DistributedConfig>& s);
};

/// `precision:` the dtype of forward passes.
enum class Precision { fp32, bf16, fp16 };
inline const config::EnumNames<Precision>& enum_names(Precision) {
  static const config::EnumNames<Precision> names = {
      {Precision::fp32, "fp32"}, {Precision::bf16, "bf16"}, {Precision::fp16, "fp16"}};
  return names;
}

/// A whole experiment YAML, typed. Built only by load_experiment.
struct ExperimentConfig {
  std::string name = "experiment";
  int64_t seed = 0;
  std::string device = "auto";
  Precision precision = Precision::fp32;
  int64_t threads = 0;
  std::vector<std::string> plugins;
  Component<DataKind> data;
  Component<ModelKind> model;
  std::vector<InitRule> init;
  OptimizerConfig optimizer;
  LrScheduleConfig scheduler;
  TrainConfig train;
  SearchConfig search;
  DistributedConfig distributed;
  static void declare(config::Schema<ExperimentConfig>& s);
};

/// An experiment as loaded: typed, and resolved back to YAML (defaults filled
/// in, paths absolute) for config.yaml and `attune check`.
struct LoadedExperiment {
  ExperimentConfig config;
  YAML::Node resolved;
  std::string path;
};

/// Loads an experiment YAML: parse, apply `key=value` overrides, load its
/// plugins (and `extra_plugins`, relative to the working directory), validate
/// every key. Throws InputError (exit code 2) naming file, line, column and
/// key on any problem.
/// With `inputs_only`, the document is read to use a trained model: its
/// training files need not exist (PathKind::training_data).
LoadedExperiment load_experiment(const std::string& path, const std::vector<std::string>& overrides = {},
                                 const std::vector<std::string>& extra_plugins = {}, bool inputs_only = false);

/// load_experiment for a document already in memory: `root` as read from
/// `path` (for messages and relative paths), with `overrides` recorded.
LoadedExperiment load_experiment_root(const YAML::Node& root, const std::string& path,
                                      std::shared_ptr<config::OverrideMap> overrides,
                                      const std::vector<std::string>& extra_plugins = {}, bool inputs_only = false);

/// The resolved config as YAML text.
std::string to_yaml(const YAML::Node& node);

}  // namespace attune
