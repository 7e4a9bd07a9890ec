// `cyclic`: torch.optim.lr_scheduler.CyclicLR (Smith 2017, "Cyclical Learning
// Rates for Training Neural Networks"): the lr cycles between base_lr and
// max_lr, momentum (SGD's, or Adam's beta1) inversely.
#include <cmath>

#include "schedulers/per_group.h"
#include "schedulers/scheduler.h"

namespace attune {
namespace {

/// How the amplitude scales: constant, halved every cycle, or gamma^tick.
enum class CyclicMode { triangular, triangular2, exp_range };
const config::EnumNames<CyclicMode>& enum_names(CyclicMode) {
  static const config::EnumNames<CyclicMode> names = {{CyclicMode::triangular, "triangular"},
                                                      {CyclicMode::triangular2, "triangular2"},
                                                      {CyclicMode::exp_range, "exp_range"}};
  return names;
}

struct CyclicOptions {
  PerGroup base_lr;
  PerGroup max_lr;
  int64_t step_size_up = 2000;
  int64_t step_size_down = 0;
  CyclicMode mode = CyclicMode::triangular;
  double gamma = 1.0;
  bool cycle_momentum = true;
  PerGroup base_momentum{{0.8}};
  PerGroup max_momentum{{0.9}};
  static void declare(config::Schema<CyclicOptions>& s) {
    using O = CyclicOptions;
    s.field("base_lr", &O::base_lr, "lower lr of the cycle (per group); null = each group's own lr").greater_than(0);
    s.field("max_lr", &O::max_lr, "upper lr of the cycle (per group)").required().greater_than(0);
    s.field("step_size_up", &O::step_size_up, "ticks from base_lr up to max_lr").greater_than(0);
    s.field("step_size_down", &O::step_size_down, "ticks back down; 0 = step_size_up").at_least(0);
    s.field("mode", &O::mode, "amplitude scaling per cycle");
    s.field("gamma", &O::gamma, "exp_range: amplitude factor per tick").greater_than(0);
    s.field("cycle_momentum", &O::cycle_momentum, "cycle momentum (or Adam's beta1) inversely to the lr");
    s.field("base_momentum", &O::base_momentum, "momentum at the peak lr").at_least(0);
    s.field("max_momentum", &O::max_momentum, "momentum at base_lr").at_least(0);
  }
};

class CyclicScheduler : public Scheduler {
 public:
  using Options = CyclicOptions;

  CyclicScheduler(const Options& options, const SchedulerArgs& args) : Scheduler(args), options_(options) {
    const size_t n = groups().size();
    for (size_t g = 0; g < n; ++g) {
      // As PyTorch: the groups start at base_lr.
      const double base = options.base_lr.empty() ? groups().lr(g) : options.base_lr.at(g, n, "base_lr");
      cycle_base_lrs_.push_back(base);
      groups().set_lr(g, base);
      max_lrs_.push_back(options.max_lr.at(g, n, "max_lr"));
      if (options.cycle_momentum) {
        if (!groups().has_momentum(g)) {
          input_error("scheduler cyclic: cycle_momentum needs an optimizer with momentum or betas");
        }
        groups().set_momentum(g, options.base_momentum.at(g, n, "base_momentum"));
        base_momentums_.push_back(groups().momentum(g));
        max_momentums_.push_back(options.max_momentum.at(g, n, "max_momentum"));
      }
    }
    const auto up = static_cast<double>(options.step_size_up);
    const double down = options.step_size_down > 0 ? static_cast<double>(options.step_size_down) : up;
    total_size_ = up + down;
    step_ratio_ = up / total_size_;
  }

 protected:
  void after_initialize() override { base_lrs_ = cycle_base_lrs_; }

  std::vector<double> get_lr() override {
    const auto epoch = static_cast<double>(last_epoch_);
    const double cycle = std::floor(1 + epoch / total_size_);
    const double x = 1. + epoch / total_size_ - cycle;
    const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
    const double scale = scale_fn(options_.mode == CyclicMode::exp_range ? epoch : cycle);
    std::vector<double> lrs;
    for (size_t g = 0; g < base_lrs_.size(); ++g) {
      const double base_height = (max_lrs_[g] - base_lrs_[g]) * scale_factor;
      lrs.push_back(base_lrs_[g] + base_height * scale);
    }
    if (options_.cycle_momentum) {
      for (size_t g = 0; g < base_momentums_.size(); ++g) {
        const double base_height = (max_momentums_[g] - base_momentums_[g]) * scale_factor;
        groups().set_momentum(g, max_momentums_[g] - base_height * scale);
      }
    }
    return lrs;
  }

 private:
  // PyTorch's scale_fn: of the cycle, or of the tick for exp_range.
  double scale_fn(double x) const {
    switch (options_.mode) {
      case CyclicMode::triangular:
        return 1.;
      case CyclicMode::triangular2:
        return 1 / std::pow(2., x - 1);
      case CyclicMode::exp_range:
        return std::pow(options_.gamma, x);
    }
    return 1.;
  }

  Options options_;
  std::vector<double> cycle_base_lrs_, max_lrs_, base_momentums_, max_momentums_;
  double total_size_ = 0, step_ratio_ = 0;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("cyclic", attune::CyclicScheduler,
                          "CyclicLR: the lr cycles between base_lr and max_lr (triangular, triangular2, exp_range)")
