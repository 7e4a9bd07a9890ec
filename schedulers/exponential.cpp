// `exponential`: torch.optim.lr_scheduler.ExponentialLR.
#include "schedulers/scheduler.h"

#include <cmath>

namespace attune {
namespace {

struct ExponentialOptions {
  double gamma = 0.0;
  static void declare(config::Schema<ExponentialOptions>& s) {
    s.field("gamma", &ExponentialOptions::gamma, "factor applied to the lr every tick").required().greater_than(0);
  }
};

class ExponentialScheduler : public Scheduler {
 public:
  using Options = ExponentialOptions;
  ExponentialScheduler(const Options& options, const SchedulerArgs& args) : Scheduler(args), gamma_(options.gamma) {}

 protected:
  std::vector<double> get_lr() override {
    std::vector<double> lrs = group_lrs();
    if (last_epoch_ == 0) return lrs;
    for (double& lr : lrs) lr = lr * gamma_;
    return lrs;
  }
  std::optional<std::vector<double>> closed_form_lr() override {
    std::vector<double> lrs;
    for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, static_cast<double>(last_epoch_)));
    return lrs;
  }

 private:
  double gamma_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("exponential", attune::ExponentialScheduler, "ExponentialLR: lr = base_lr * gamma^tick")
