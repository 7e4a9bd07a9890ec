#include "core/search/pruner.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/search/pareto.h"

namespace attune {

bool Pruner::should_prune(int64_t epoch, double value, const std::vector<double>& others) const {
  std::vector<PeerValue> peers;
  for (const double other : others) peers.push_back({-1, other});
  return should_prune(-1, epoch, value, peers);
}

bool promotable(double value, std::vector<double> competing, int64_t reduction_factor, MetricGoal goal) {
  std::sort(competing.begin(), competing.end());
  auto index = static_cast<int64_t>(competing.size()) / reduction_factor - 1;
  if (index < 0) index = 0;  // too few to halve yet: only the best so far goes on
  return goal == MetricGoal::maximize ? value >= competing[competing.size() - 1 - static_cast<size_t>(index)]
                                      : value <= competing[static_cast<size_t>(index)];
}

AshaPruner::AshaPruner(int64_t min_epochs, int64_t reduction_factor, int64_t max_epochs, MetricGoal goal)
    : min_epochs_(min_epochs), reduction_factor_(reduction_factor), max_epochs_(max_epochs), goal_(goal) {}

namespace {

// ASHA's rungs: min_epochs x reduction_factor^k, below max_epochs.
bool is_asha_rung(int64_t min_epochs, int64_t reduction_factor, int64_t max_epochs, int64_t epoch) {
  for (int64_t rung = min_epochs; rung < max_epochs; rung *= reduction_factor) {
    if (rung == epoch) return true;
  }
  return false;
}

}  // namespace

bool AshaPruner::is_rung(int64_t epoch) const {
  return is_asha_rung(min_epochs_, reduction_factor_, max_epochs_, epoch);
}

bool AshaPruner::should_prune(int64_t, int64_t epoch, double value, const std::vector<PeerValue>& others) const {
  if (!is_rung(epoch)) return false;
  std::vector<double> competing;
  for (const auto& other : others) competing.push_back(other.value);
  competing.push_back(value);
  return !promotable(value, competing, reduction_factor_, goal_);
}

ParetoAshaPruner::ParetoAshaPruner(int64_t min_epochs, int64_t reduction_factor, int64_t max_epochs, double margin)
    : min_epochs_(min_epochs), reduction_factor_(reduction_factor), max_epochs_(max_epochs), margin_(margin) {}

bool ParetoAshaPruner::is_rung(int64_t epoch) const {
  return is_asha_rung(min_epochs_, reduction_factor_, max_epochs_, epoch);
}

bool ParetoAshaPruner::should_prune(int64_t epoch, const std::vector<double>& losses,
                                    const std::vector<std::vector<double>>& others) const {
  if (!is_rung(epoch)) return false;
  auto finite = [](std::vector<double> point) {
    for (double& x : point) {
      if (std::isnan(x)) x = std::numeric_limits<double>::infinity();
    }
    return point;
  };
  std::vector<LossVector> competing = {finite(losses)};
  for (const auto& other : others) competing.push_back(finite(other));
  const auto ranks = nondominated_ranks(competing);
  // ASHA's budget: the top max(1, n / reduction_factor), taken a front at a time.
  std::vector<int> sorted = ranks;
  std::sort(sorted.begin(), sorted.end());
  const auto keep = std::max<size_t>(1, competing.size() / static_cast<size_t>(reduction_factor_));
  if (ranks[0] <= sorted[keep - 1]) return false;
  // Outside it: stopped only when clearly dominated.
  const size_t d = losses.size();
  std::vector<double> spread(d, 0.0);
  for (size_t k = 0; k < d; ++k) {
    double low = std::numeric_limits<double>::infinity(), high = -low;
    for (const auto& point : competing) {
      if (!std::isfinite(point[k])) continue;
      low = std::min(low, point[k]);
      high = std::max(high, point[k]);
    }
    spread[k] = high > low ? high - low : 0.0;
  }
  for (size_t j = 1; j < competing.size(); ++j) {
    bool clearly = dominates(competing[j], competing[0]);
    for (size_t k = 0; k < d && clearly; ++k) clearly = competing[j][k] + margin_ * spread[k] <= competing[0][k];
    if (clearly) return true;
  }
  return false;
}

MedianPruner::MedianPruner(int64_t min_epochs, int64_t startup_trials, MetricGoal goal)
    : min_epochs_(min_epochs), startup_trials_(startup_trials), goal_(goal) {}

bool MedianPruner::should_prune(int64_t, int64_t epoch, double value, const std::vector<PeerValue>& others) const {
  if (epoch < min_epochs_ || static_cast<int64_t>(others.size()) < std::max<int64_t>(startup_trials_, 1)) return false;
  std::vector<double> sorted;
  for (const auto& other : others) sorted.push_back(other.value);
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return improves(goal_, median, value);
}

HyperbandPruner::HyperbandPruner(std::string sweep, int64_t min_epochs, int64_t max_epochs, int64_t reduction_factor,
                                 MetricGoal goal)
    : sweep_(std::move(sweep)), min_epochs_(min_epochs), reduction_factor_(reduction_factor), goal_(goal) {
  // Python's math.log(x, base) is log(x) / log(base): the same double, so
  // the same floor where the ratio is a power of eta (log(243, 3) < 5).
  const double ratio = static_cast<double>(max_epochs) / static_cast<double>(min_epochs);
  const auto n =
      static_cast<int64_t>(std::floor(std::log(ratio) / std::log(static_cast<double>(reduction_factor)))) + 1;
  for (int64_t b = 0; b < std::max<int64_t>(n, 1); ++b) {
    const int64_t s = n - 1 - b;
    const double budget = static_cast<double>(n) * std::pow(static_cast<double>(reduction_factor), s) / (s + 1);
    budgets_.push_back(static_cast<int64_t>(std::ceil(budget)));
    total_budget_ += budgets_.back();
  }
}

int64_t HyperbandPruner::bracket(int64_t trial) const {
  const std::string key = sweep_ + "_" + std::to_string(trial);
  const uLong crc =
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(key.data()), static_cast<uInt>(key.size()));
  auto n = static_cast<int64_t>(crc % static_cast<uLong>(total_budget_));
  for (size_t b = 0; b < budgets_.size(); ++b) {
    n -= budgets_[b];
    if (n < 0) return static_cast<int64_t>(b);
  }
  return 0;  // unreachable: n < total_budget_
}

bool HyperbandPruner::is_rung(int64_t bracket, int64_t epoch) const {
  for (int64_t rung = min_epochs_ * static_cast<int64_t>(std::pow(reduction_factor_, bracket)); rung <= epoch;
       rung *= reduction_factor_) {
    if (rung == epoch) return true;
  }
  return false;
}

bool HyperbandPruner::should_prune(int64_t trial, int64_t epoch, double value,
                                   const std::vector<PeerValue>& others) const {
  const int64_t own = bracket(trial);
  if (!is_rung(own, epoch)) return false;
  if (std::isnan(value)) return true;
  std::vector<double> competing;
  for (const auto& other : others) {
    if (!std::isnan(other.value) && bracket(other.trial) == own) competing.push_back(other.value);
  }
  competing.push_back(value);
  return !promotable(value, competing, reduction_factor_, goal_);
}

std::unique_ptr<Pruner> make_pruner(const PrunerConfig& config, MetricGoal goal, int64_t epochs,
                                    const std::string& sweep) {
  const int64_t max_epochs = config.max_epochs > 0 ? config.max_epochs : epochs;
  switch (config.type) {
    case PrunerType::none:
      return nullptr;
    case PrunerType::asha:
      return std::make_unique<AshaPruner>(config.min_epochs, config.reduction_factor, max_epochs, goal);
    case PrunerType::median:
      return std::make_unique<MedianPruner>(config.min_epochs, config.startup_trials, goal);
    case PrunerType::hyperband:
      if (max_epochs < config.min_epochs) {
        input_error(
            "search.pruner: hyperband's min_epochs {} exceeds its max_epochs {} ({}); lower min_epochs or raise "
            "max_epochs",
            config.min_epochs, max_epochs, config.max_epochs > 0 ? "search.pruner.max_epochs" : "train.epochs");
      }
      return std::make_unique<HyperbandPruner>(sweep, config.min_epochs, max_epochs, config.reduction_factor, goal);
  }
  return nullptr;
}

}  // namespace attune
