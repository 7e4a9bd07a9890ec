// `polynomial`: torch.optim.lr_scheduler.PolynomialLR.
#include <algorithm>
#include <cmath>

#include "schedulers/scheduler.h"

namespace attune {
namespace {

struct PolynomialOptions {
  int64_t total_iters = 0;
  double power = 1.0;
  static void declare(config::Schema<PolynomialOptions>& s) {
    s.field("total_iters", &PolynomialOptions::total_iters,
            "ticks until the lr reaches 0; 0 = the rest of the run after warmup")
        .at_least(0);
    s.field("power", &PolynomialOptions::power, "power of the polynomial").greater_than(0);
  }
};

class PolynomialScheduler : public Scheduler {
 public:
  using Options = PolynomialOptions;
  PolynomialScheduler(const Options& options, const SchedulerArgs& args)
      : Scheduler(args),
        total_iters_(options.total_iters > 0 ? options.total_iters : std::max<int64_t>(args.total_ticks, 1)),
        power_(options.power) {}

 protected:
  std::vector<double> get_lr() override {
    std::vector<double> lrs = group_lrs();
    if (last_epoch_ == 0 || last_epoch_ > total_iters_) return lrs;
    const auto total = static_cast<double>(total_iters_);
    const auto epoch = static_cast<double>(last_epoch_);
    const double decay = std::pow((1.0 - epoch / total) / (1.0 - (epoch - 1) / total), power_);
    for (double& lr : lrs) lr = lr * decay;
    return lrs;
  }
  std::optional<std::vector<double>> closed_form_lr() override {
    std::vector<double> lrs;
    const auto total = static_cast<double>(total_iters_);
    for (double base : base_lrs_) {
      lrs.push_back(base * std::pow(1.0 - static_cast<double>(std::min(total_iters_, last_epoch_)) / total, power_));
    }
    return lrs;
  }

 private:
  int64_t total_iters_;
  double power_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("polynomial", attune::PolynomialScheduler,
                          "PolynomialLR: lr = base_lr * (1 - tick / total_iters)^power")
