#include "core/sweep/trial_measures.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>

#include "core/metrics/metric_names.h"
#include "core/train/forward_pass.h"

namespace attune {

TrialMeasures measure_trial(Experiment& experiment) {
  TrialMeasures measures;
  for (const auto& parameter : experiment.model->parameters())
    measures.parameters += static_cast<double>(parameter.numel());

  const Subset& valid = experiment.valid_data;
  const auto count = std::min<int64_t>(valid.size(), experiment.config().train.batch_size);
  if (count == 0) return measures;
  const std::vector<int64_t> batch(valid.indices.begin(), valid.indices.begin() + count);
  const bool was_training = experiment.model->is_training();
  experiment.model->eval();
  torch::NoGradGuard no_grad;
  auto run = [&] {
    const auto start = std::chrono::steady_clock::now();
    const ForwardPass pass =
        forward_pass(*experiment.model, *valid.dataset, batch, experiment.device, experiment.config().precision);
    (void)pass.logits.sum().item<double>();  // waits for a GPU's kernels
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };
  run();
  run();
  std::vector<double> times;
  for (int i = 0; i < 7; ++i) times.push_back(run());
  std::nth_element(times.begin(), times.begin() + 3, times.end());
  measures.latency_ms = times[3];
  experiment.model->train(was_training);
  return measures;
}

double objective_value(const std::string& name, const MetricsRow& row, double train_seconds,
                       const TrialMeasures& measures) {
  if (name == metric::parameters) return measures.parameters;
  if (name == metric::latency_ms) return measures.latency_ms;
  if (name == metric::train_seconds) return train_seconds;
  return row.get(name);
}

}  // namespace attune
