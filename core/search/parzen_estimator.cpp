#include "core/search/parzen_estimator.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/search/truncated_normal.h"

namespace attune {
namespace {

bool is_log(const SearchDimension& d) {
  return d.distribution == Distribution::log_uniform;
}
bool is_int(const SearchDimension& d) {
  return d.distribution == Distribution::int_uniform;
}

constexpr double kPriorWeight = 1.0;

// The estimator's own axis: log for log_uniform, and whole numbers widened
// by half a step on each side.
double to_axis(const SearchDimension& d, double x) {
  return is_log(d) ? std::log(x) : x;
}
double axis_low(const SearchDimension& d) {
  return is_int(d) ? d.low - 0.5 : to_axis(d, d.low);
}
double axis_high(const SearchDimension& d) {
  return is_int(d) ? d.high + 0.5 : to_axis(d, d.high);
}

// Optuna's default_weights: equal up to 25 observations, then a ramp from
// 1/n to 1 over all but the latest 25, so that old trials count less.
std::vector<double> observation_weights(size_t n) {
  std::vector<double> weights(n, 1.0);
  if (n >= 25) {
    const size_t ramp = n - 25;
    for (size_t i = 0; i < ramp; ++i) {
      const double start = 1.0 / static_cast<double>(n);
      weights[i] = ramp == 1 ? start : start + (1.0 - start) * static_cast<double>(i) / static_cast<double>(ramp - 1);
    }
  }
  return weights;
}

}  // namespace

ParzenEstimator::ParzenEstimator(const std::vector<const SearchDimension*>& dims,
                                 const std::vector<std::vector<double>>& rows, bool multivariate,
                                 const std::vector<double>& weights)
    : dims_(dims) {
  const size_t n = rows.size();
  weights_ = weights.empty() ? observation_weights(n) : weights;
  weights_.push_back(kPriorWeight);
  const double total = std::accumulate(weights_.begin(), weights_.end(), 0.0);
  for (double& w : weights_) w /= total;

  const double sigma0 =
      0.2 * std::pow(static_cast<double>(std::max<size_t>(n, 1)), -1.0 / (static_cast<double>(dims.size()) + 4));
  for (size_t k = 0; k < dims.size(); ++k) {
    const SearchDimension& d = *dims[k];
    Axis axis;
    if (is_choice(d)) {
      const size_t choices = d.values.size();
      const double floor = kPriorWeight / static_cast<double>(n + 1);
      axis.probabilities.assign(n + 1, std::vector<double>(choices, floor));
      for (size_t i = 0; i < n; ++i) axis.probabilities[i][static_cast<size_t>(rows[i][k])] += 1;
      for (auto& row : axis.probabilities) {
        const double sum = std::accumulate(row.begin(), row.end(), 0.0);
        for (double& p : row) p /= sum;
      }
    } else {
      axis.low = axis_low(d);
      axis.high = axis_high(d);
      const double range = axis.high - axis.low;
      for (size_t i = 0; i < n; ++i) axis.mus.push_back(to_axis(d, rows[i][k]));
      axis.mus.push_back(0.5 * (axis.low + axis.high));
      axis.sigmas = multivariate ? std::vector<double>(n + 1, sigma0 * range) : neighbour_bandwidths(axis);
      // Optuna's "magic clip": no narrower than range / min(100, 1 + components).
      const double min_sigma = range / std::min(100.0, 1.0 + static_cast<double>(n + 1));
      for (double& s : axis.sigmas) s = std::clamp(s, min_sigma, range);
      axis.sigmas[n] = range;  // the prior
    }
    axes_.push_back(std::move(axis));
  }
}

std::vector<std::vector<double>> ParzenEstimator::sample(std::mt19937_64& engine, size_t size) const {
  std::discrete_distribution<size_t> pick(weights_.begin(), weights_.end());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<std::vector<double>> draws(size, std::vector<double>(dims_.size()));
  for (size_t s = 0; s < size; ++s) {
    const size_t component = pick(engine);
    for (size_t k = 0; k < dims_.size(); ++k) {
      const SearchDimension& d = *dims_[k];
      const Axis& axis = axes_[k];
      if (is_choice(d)) {
        const auto& probabilities = axis.probabilities[component];
        const double u = uniform(engine);
        double cumulative = 0;
        size_t choice = 0;
        while (choice + 1 < probabilities.size() && (cumulative += probabilities[choice]) < u) ++choice;
        draws[s][k] = static_cast<double>(choice);
        continue;
      }
      const double mu = axis.mus[component], sigma = axis.sigmas[component];
      double u = uniform(engine);
      while (u <= 0.0) u = uniform(engine);
      const double x = mu + sigma * truncated_normal::ppf(u, (axis.low - mu) / sigma, (axis.high - mu) / sigma);
      if (is_log(d)) {
        draws[s][k] = std::clamp(std::exp(x), d.low, d.high);
      } else if (is_int(d)) {
        draws[s][k] = std::clamp(std::nearbyint(x - d.low) + d.low, d.low, d.high);
      } else {
        draws[s][k] = std::clamp(x, d.low, d.high);
      }
    }
  }
  return draws;
}

std::vector<double> ParzenEstimator::log_pdf(const std::vector<std::vector<double>>& rows) const {
  std::vector<double> result;
  const size_t components = weights_.size();
  std::vector<double> terms(components);
  for (const auto& row : rows) {
    for (size_t j = 0; j < components; ++j) terms[j] = std::log(weights_[j]);
    for (size_t k = 0; k < dims_.size(); ++k) {
      const SearchDimension& d = *dims_[k];
      const Axis& axis = axes_[k];
      for (size_t j = 0; j < components; ++j) terms[j] += component_log_pdf(d, axis, j, row[k]);
    }
    const double top = *std::max_element(terms.begin(), terms.end());
    double sum = 0;
    for (double t : terms) sum += std::exp(t - top);
    result.push_back(top + std::log(sum));
  }
  return result;
}

// Univariate bandwidths: each component as wide as the larger gap to its
// neighbours (the ends of the range count as neighbours only between
// components: Optuna's consider_endpoints=False).
std::vector<double> ParzenEstimator::neighbour_bandwidths(const Axis& axis) {
  const size_t m = axis.mus.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return axis.mus[a] < axis.mus[b]; });
  std::vector<double> points = {axis.low};
  for (size_t i : order) points.push_back(axis.mus[i]);
  points.push_back(axis.high);
  std::vector<double> sorted_sigmas(m);
  for (size_t i = 0; i < m; ++i) sorted_sigmas[i] = std::max(points[i + 1] - points[i], points[i + 2] - points[i + 1]);
  if (points.size() >= 4) {
    sorted_sigmas[0] = points[2] - points[1];
    sorted_sigmas[m - 1] = points[m] - points[m - 1];
  }
  std::vector<double> sigmas(m);
  for (size_t i = 0; i < m; ++i) sigmas[order[i]] = sorted_sigmas[i];
  return sigmas;
}

double ParzenEstimator::component_log_pdf(const SearchDimension& d, const Axis& axis, size_t j, double x) {
  if (is_choice(d)) return std::log(axis.probabilities[j][static_cast<size_t>(x)]);
  const double mu = axis.mus[j], sigma = axis.sigmas[j];
  const double a = (axis.low - mu) / sigma, b = (axis.high - mu) / sigma;
  if (is_int(d)) {
    const double lower = std::max(x - 0.5, axis.low), upper = std::min(x + 0.5, axis.high);
    return truncated_normal::log_gauss_mass((lower - mu) / sigma, (upper - mu) / sigma) -
           truncated_normal::log_gauss_mass(a, b);
  }
  return truncated_normal::log_pdf((to_axis(d, x) - mu) / sigma, a, b);
}

}  // namespace attune
