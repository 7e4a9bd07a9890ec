// Regression metrics: Pearson's and Spearman's correlation of the outputs
// with the targets, as scipy.stats.pearsonr and spearmanr compute them (NaN
// for fewer than two examples or a constant side, where SciPy warns or fails).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "core/config/schema.h"
#include "metrics/metric.h"

namespace attune {
namespace {

std::pair<std::vector<double>, std::vector<double>> values_of(const Predictions& p) {
  const torch::Tensor outputs = p.outputs.dim() == 2 && p.outputs.size(1) == 1 ? p.outputs.squeeze(1) : p.outputs;
  if (outputs.dim() != 1 || p.targets.dim() != 1 || outputs.size(0) != p.targets.size(0)) {
    input_error("a correlation metric needs one output per example (a regression) and as many targets");
  }
  auto to_vector = [](const torch::Tensor& t) {
    const torch::Tensor d = t.to(torch::kDouble).contiguous();
    return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
  };
  return {to_vector(outputs), to_vector(p.targets)};
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0 || syy == 0) return std::numeric_limits<double>::quiet_NaN();
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

/// 1-based ranks, ties given their average rank (scipy.stats.rankdata's default).
std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t begin = 0; begin < order.size();) {
    size_t end = begin + 1;
    while (end < order.size() && values[order[end]] == values[order[begin]]) ++end;
    const double rank = (static_cast<double>(begin + 1) + static_cast<double>(end)) / 2.0;
    for (size_t i = begin; i < end; ++i) ranks[order[i]] = rank;
    begin = end;
  }
  return ranks;
}

class Pearson : public Metric {
 public:
  using Options = NoMetricOptions;
  Pearson(const Options&, const MetricArgs&) {}
  Task task() const override { return Task::regression; }
  double compute(const Predictions& p) const override {
    const auto [x, y] = values_of(p);
    return pearson(x, y);
  }
};

class Spearman : public Metric {
 public:
  using Options = NoMetricOptions;
  Spearman(const Options&, const MetricArgs&) {}
  Task task() const override { return Task::regression; }
  double compute(const Predictions& p) const override {
    const auto [x, y] = values_of(p);
    return pearson(average_ranks(x), average_ranks(y));
  }
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_METRIC("pearson", attune::Pearson, "Pearson's correlation of outputs and targets (regression)")
ATTUNE_REGISTER_METRIC("spearman", attune::Spearman,
                       "Spearman's rank correlation of outputs and targets, ties averaged (regression)")
