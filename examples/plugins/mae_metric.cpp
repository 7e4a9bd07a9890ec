// An example metric plugin: the mean absolute error of a regression, as
// scikit-learn's mean_absolute_error. It is minimised, and says so: early
// stopping, best.pt, reduce_on_plateau and sweeps then keep its lowest value
// (`train.metrics: [pearson, mae]`, `early_stopping: {metric: val_mae}`).
#include "metrics/metric.h"

class MeanAbsoluteError : public attune::Metric {
 public:
  using Options = attune::NoMetricOptions;
  MeanAbsoluteError(const Options&, const attune::MetricArgs&) {}

  double compute(const attune::Predictions& p) const override {
    const torch::Tensor outputs = p.outputs.reshape({-1}).to(torch::kDouble);
    return (outputs - p.targets.to(torch::kDouble)).abs().mean().item<double>();
  }
  attune::MetricGoal goal() const override { return attune::MetricGoal::minimize; }
  attune::Task task() const override { return attune::Task::regression; }
};

ATTUNE_REGISTER_METRIC("mae", MeanAbsoluteError, "mean absolute error of a regression (example plugin)")
