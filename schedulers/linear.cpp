#include "schedulers/linear.h"

#include <algorithm>

namespace attune {

void LinearOptions::declare(config::Schema<LinearOptions>& s) {
  s.field("start_factor", &LinearOptions::start_factor, "lr factor at tick 0").greater_than(0).at_most(1);
  s.field("end_factor", &LinearOptions::end_factor, "lr factor from total_iters on").at_least(0).at_most(1);
  s.field("total_iters", &LinearOptions::total_iters, "ticks to go from start to end factor").greater_than(0);
}

LinearScheduler::LinearScheduler(const Options& options, const SchedulerArgs& args)
    : Scheduler(args), options_(options) {}

std::vector<double> LinearScheduler::get_lr() {
  std::vector<double> lrs = group_lrs();
  const double start = options_.start_factor, end = options_.end_factor;
  const auto total = static_cast<double>(options_.total_iters);
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * start;
    return lrs;
  }
  if (last_epoch_ > options_.total_iters) return lrs;
  for (double& lr : lrs) {
    lr = lr * (1. + (end - start) / (total * start + static_cast<double>(last_epoch_ - 1) * (end - start)));
  }
  return lrs;
}

std::optional<std::vector<double>> LinearScheduler::closed_form_lr() {
  std::vector<double> lrs;
  const double start = options_.start_factor, end = options_.end_factor;
  for (double base : base_lrs_) {
    lrs.push_back(base * (start + (end - start) * static_cast<double>(std::min(options_.total_iters, last_epoch_)) /
                                      static_cast<double>(options_.total_iters)));
  }
  return lrs;
}

}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("linear", attune::LinearScheduler,
                          "LinearLR: lr factor moves linearly from start_factor to end_factor")
