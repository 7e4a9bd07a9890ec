#include "core/search/tpe_sampler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/data/permutation.h"
#include "core/search/pareto.h"
#include "core/search/parzen_estimator.h"

namespace attune {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool same_value(const YAML::Node& a, const YAML::Node& b) {
  if (describe_value(a) == describe_value(b)) return true;
  if (!a.IsScalar() || !b.IsScalar()) return false;
  char *end_a = nullptr, *end_b = nullptr;
  const double x = std::strtod(a.Scalar().c_str(), &end_a), y = std::strtod(b.Scalar().c_str(), &end_b);
  return *end_a == '\0' && *end_b == '\0' && !a.Scalar().empty() && !b.Scalar().empty() && x == y;
}

// A stored value as TPE reads it: a choice's index or the number; NaN when
// the trial has no such key or its value is outside today's space (a grown
// or changed sweep), so that it does not shape that key's estimator.
double internal_value(const SearchDimension& d, const TrialParams& params) {
  for (const auto& [key, value] : params) {
    if (key != d.key) continue;
    if (is_choice(d)) {
      for (size_t i = 0; i < d.values.size(); ++i) {
        if (same_value(value, d.values[i])) return static_cast<double>(i);
      }
      return kNaN;
    }
    if (!value.IsScalar()) return kNaN;
    char* end = nullptr;
    const double x = std::strtod(value.Scalar().c_str(), &end);
    if (*end != '\0' || !(x >= d.low && x <= d.high)) return kNaN;
    return x;
  }
  return kNaN;
}

YAML::Node external_value(const SearchDimension& d, double x) {
  if (is_choice(d)) return d.values[static_cast<size_t>(x)];
  return number_value(x);
}

struct Split {
  std::vector<size_t> below, above;   // indices into the history, in trial order (MOTPE's below: its own order)
  std::vector<double> below_weights;  // MOTPE: each below trial's weight; empty: Optuna's default weights
};

// Optuna's _get_observation_pairs and _split_observation_pairs: a trial's
// rank key is (-epoch, loss) for pruned ones, (-inf, loss) for complete ones,
// (+inf, +inf) for running ones; the first gamma(n) by that key are "below".
Split split_history(const std::vector<TpeObservation>& history, const std::vector<size_t>& usable, MetricGoal goal,
                    size_t n_below) {
  const double sign = goal == MetricGoal::minimize ? 1.0 : -1.0;
  std::vector<std::pair<double, double>> keys;
  for (size_t i : usable) {
    const auto& t = history[i];
    switch (t.state) {
      case TpeObservation::State::complete:
        keys.emplace_back(-kInf, sign * t.value);
        break;
      case TpeObservation::State::pruned:
        if (t.step > 0) {
          keys.emplace_back(-static_cast<double>(t.step), std::isnan(t.value) ? kInf : sign * t.value);
        } else {
          keys.emplace_back(1.0, 0.0);
        }
        break;
      case TpeObservation::State::running:
        keys.emplace_back(kInf, kInf);
        break;
    }
  }
  std::vector<size_t> order(usable.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  Split split;
  for (size_t r = 0; r < order.size(); ++r) (r < n_below ? split.below : split.above).push_back(usable[order[r]]);
  std::sort(split.below.begin(), split.below.end());
  std::sort(split.above.begin(), split.above.end());
  return split;
}

// MOTPE (Optuna's TPESampler with several objectives): complete trials only;
// the best gamma(n) are whole non-dominated fronts and a hypervolume subset
// of the next, weighted by their hypervolume contributions.
Split split_pareto(const std::vector<TpeObservation>& history, const std::vector<size_t>& usable,
                   const std::vector<MetricGoal>& goals, size_t n_below) {
  std::vector<LossVector> points;
  for (size_t i : usable) points.push_back(as_losses(history[i].values, goals));
  Split split;
  const auto best = pareto_best(points, n_below);
  std::vector<LossVector> below_points;
  std::vector<bool> is_below(usable.size(), false);
  for (size_t b : best) {
    split.below.push_back(usable[b]);
    below_points.push_back(points[b]);
    is_below[b] = true;
  }
  split.below_weights = hypervolume_weights(below_points);
  for (size_t j = 0; j < usable.size(); ++j) {
    if (!is_below[j]) split.above.push_back(usable[j]);
  }
  return split;
}

}  // namespace

TpeSampler::TpeSampler(SearchSpace space, TpeConfig config, MetricGoal goal)
    : TpeSampler(std::move(space), config, std::vector<MetricGoal>{goal}) {}

TpeSampler::TpeSampler(SearchSpace space, TpeConfig config, std::vector<MetricGoal> goals)
    : space_(std::move(space)), config_(config), goals_(std::move(goals)) {}

TrialParams TpeSampler::suggest(const std::vector<TpeObservation>& history, uint64_t seed, int64_t index) const {
  // What the estimators learn from: finished trials with a usable score, and
  // running ones under the constant liar.
  // Several objectives: complete trials alone (Optuna's MOTPE leaves pruned
  // and running ones out).
  const bool several = goals_.size() > 1;
  std::vector<size_t> usable;
  size_t finished = 0;
  for (size_t i = 0; i < history.size(); ++i) {
    const auto& t = history[i];
    if (several) {
      if (t.state != TpeObservation::State::complete || t.values.size() != goals_.size() ||
          std::any_of(t.values.begin(), t.values.end(), [](double v) { return std::isnan(v); })) {
        continue;
      }
    } else {
      if (t.state == TpeObservation::State::complete && std::isnan(t.value)) continue;
      if (t.state == TpeObservation::State::running && !config_.constant_liar) continue;
    }
    if (t.state != TpeObservation::State::running) ++finished;
    usable.push_back(i);
  }
  if (static_cast<int64_t>(finished) < config_.startup_trials || space_.dimensions.empty()) {
    return random_trial(space_, seed, index);
  }
  const size_t n_below = std::min<size_t>(static_cast<size_t>(std::ceil(0.1 * static_cast<double>(finished))), 25);
  const Split split = several ? split_pareto(history, usable, goals_, n_below)
                              : split_history(history, usable, goals_.front(), n_below);

  std::mt19937_64 engine(mix_seed(mix_seed(seed, static_cast<uint64_t>(index)), 0x7e5));
  // One estimator pair over `dims`, fed the trials that have a value for each.
  auto choose = [&](const std::vector<const SearchDimension*>& dims) {
    // The trials with a value for each key, and their weights if given.
    auto rows_of = [&](const std::vector<size_t>& indices, const std::vector<double>& weights) {
      std::vector<std::vector<double>> rows;
      std::vector<double> kept;
      for (size_t r = 0; r < indices.size(); ++r) {
        std::vector<double> row;
        for (const auto* d : dims) row.push_back(internal_value(*d, history[indices[r]].params));
        if (std::any_of(row.begin(), row.end(), [](double x) { return std::isnan(x); })) continue;
        rows.push_back(row);
        if (!weights.empty()) kept.push_back(weights[r]);
      }
      return std::make_pair(rows, kept);
    };
    const auto [below_rows, below_weights] = rows_of(split.below, split.below_weights);
    const ParzenEstimator below(dims, below_rows, config_.multivariate, below_weights);
    const ParzenEstimator above(dims, rows_of(split.above, {}).first, config_.multivariate);
    const auto candidates = below.sample(engine, static_cast<size_t>(config_.candidates));
    const auto l = below.log_pdf(candidates), g = above.log_pdf(candidates);
    size_t best = 0;
    for (size_t c = 1; c < candidates.size(); ++c) {
      if (l[c] - g[c] > l[best] - g[best]) best = c;
    }
    return candidates[best];
  };

  TrialParams params;
  if (config_.multivariate) {
    std::vector<const SearchDimension*> dims;
    for (const auto& d : space_.dimensions) dims.push_back(&d);
    const auto chosen = choose(dims);
    for (size_t k = 0; k < dims.size(); ++k) params.emplace_back(dims[k]->key, external_value(*dims[k], chosen[k]));
  } else {
    for (const auto& d : space_.dimensions) params.emplace_back(d.key, external_value(d, choose({&d})[0]));
  }
  return params;
}

}  // namespace attune
