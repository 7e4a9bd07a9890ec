#include "core/search/pruner.h"

#include <algorithm>

namespace attune {

AshaPruner::AshaPruner(int64_t min_epochs, int64_t reduction_factor, int64_t max_epochs, MetricGoal goal)
    : min_epochs_(min_epochs), reduction_factor_(reduction_factor), max_epochs_(max_epochs), goal_(goal) {}

bool AshaPruner::is_rung(int64_t epoch) const {
  for (int64_t rung = min_epochs_; rung < max_epochs_; rung *= reduction_factor_) {
    if (rung == epoch) return true;
  }
  return false;
}

bool AshaPruner::should_prune(int64_t epoch, double value, const std::vector<double>& others) const {
  if (!is_rung(epoch)) return false;
  std::vector<double> competing = others;
  competing.push_back(value);
  std::sort(competing.begin(), competing.end());
  auto index = static_cast<int64_t>(competing.size()) / reduction_factor_ - 1;
  if (index < 0) index = 0;  // too few to halve yet: only the best so far goes on
  const bool promoted = goal_ == MetricGoal::maximize
                            ? value >= competing[competing.size() - 1 - static_cast<size_t>(index)]
                            : value <= competing[static_cast<size_t>(index)];
  return !promoted;
}

MedianPruner::MedianPruner(int64_t min_epochs, int64_t startup_trials, MetricGoal goal)
    : min_epochs_(min_epochs), startup_trials_(startup_trials), goal_(goal) {}

bool MedianPruner::should_prune(int64_t epoch, double value, const std::vector<double>& others) const {
  if (epoch < min_epochs_ || static_cast<int64_t>(others.size()) < std::max<int64_t>(startup_trials_, 1)) return false;
  std::vector<double> sorted = others;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return improves(goal_, median, value);
}

std::unique_ptr<Pruner> make_pruner(const PrunerConfig& config, MetricGoal goal, int64_t epochs) {
  switch (config.type) {
    case PrunerType::none:
      return nullptr;
    case PrunerType::asha:
      return std::make_unique<AshaPruner>(config.min_epochs, config.reduction_factor,
                                          config.max_epochs > 0 ? config.max_epochs : epochs, goal);
    case PrunerType::median:
      return std::make_unique<MedianPruner>(config.min_epochs, config.startup_trials, goal);
  }
  return nullptr;
}

}  // namespace attune
