#pragma once

#include <torch/types.h>

#include "core/data/dataset.h"
#include "core/metrics/metric_goal.h"
#include "core/registry/component.h"
#include "core/registry/registry.h"

namespace attune {

/// What a metric scores: one evaluation's outputs and targets, in example order.
struct Predictions {
  /// [N, classes] logits of a classifier, or [N] (or [N, 1]) values of a regressor.
  torch::Tensor outputs;
  /// [N] class ids (int64), or [N] target values (float).
  torch::Tensor targets;
};

/// A number computed from a whole evaluation's predictions (`metric:` keys,
/// `attune list metrics`), as scikit-learn and SciPy compute it.
class Metric {
 public:
  virtual ~Metric() = default;
  virtual double compute(const Predictions& predictions) const = 0;
  /// Which way is better; early stopping, best.pt and sweeps follow it.
  virtual MetricGoal goal() const { return MetricGoal::maximize; }
  /// What it scores: logits against class ids, or values against targets.
  virtual Task task() const { return Task::classification; }
};

/// The options of a metric that has none.
struct NoMetricOptions {
  static void declare(config::Schema<NoMetricOptions>&) {}
};

/// What a metric factory gets besides its options: the data's shape.
/// Built with the defaults (no data yet), a metric must still say its goal()
/// and task(): that is how a YAML file's `metric:` keys are checked.
struct MetricArgs {
  int64_t num_classes = 0;  // of a classification; 0 for a regression or when not yet known
};

/// Registry traits for metrics.
struct MetricKind {
  using Base = Metric;
  using Args = MetricArgs;
  static constexpr const char* kName = "metric";
  static constexpr const char* kPlural = "metrics";
};
template <>
Registry<MetricKind>& registry<MetricKind>();

/// One metric of an evaluation: its column in metrics.csv (`val_<type>`)
/// and the metric built for the data.
struct EvaluatedMetric {
  std::string column;
  std::shared_ptr<const Metric> metric;
};

/// `val_<type>`: the column a `train.metrics` entry fills.
std::string metric_column(const std::string& type);
/// `val_ema_<type>`: the same metric of train.ema's averaged weights.
std::string ema_metric_column(const std::string& type);

/// Which way the column `column` of metrics.csv improves: losses (`*_loss`)
/// fall, `val_<type>` goes the registered metric's way, anything else rises.
MetricGoal column_goal(const std::string& column);

/// Builds `train.metrics` for data of `spec`: a metric of the other task
/// (accuracy of a regression) or two entries filling one column are refused.
std::vector<EvaluatedMetric> build_metrics(const std::vector<Component<MetricKind>>& metrics, const DataSpec& spec);

/// The metrics' values on `predictions`, by column, in order.
std::vector<std::pair<std::string, double>> score(const std::vector<EvaluatedMetric>& metrics,
                                                  const Predictions& predictions);

}  // namespace attune

#define ATTUNE_REGISTER_METRIC(NAME, CLASS, HELP) ATTUNE_REGISTER(::attune::MetricKind, NAME, CLASS, HELP)
