#pragma once

#include <torch/types.h>

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
};

/// The options of a metric that has none.
struct NoMetricOptions {
  static void declare(config::Schema<NoMetricOptions>&) {}
};

/// What a metric factory gets besides its options: the data's shape.
struct MetricArgs {
  int64_t num_classes = 0;  // 0: a regression
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

}  // namespace attune

#define ATTUNE_REGISTER_METRIC(NAME, CLASS, HELP) ATTUNE_REGISTER(::attune::MetricKind, NAME, CLASS, HELP)
