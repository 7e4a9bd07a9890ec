// `step`, `multistep`, `constant`: torch.optim.lr_scheduler.StepLR,
// MultiStepLR and ConstantLR, the piecewise-constant family.
#include <algorithm>
#include <cmath>
#include <map>

#include "schedulers/scheduler.h"
#include "schedulers/sequential.h"

namespace attune {
namespace {

struct StepOptions {
  int64_t step_size = 0;
  double gamma = 0.1;
  static void declare(config::Schema<StepOptions>& s) {
    s.field("step_size", &StepOptions::step_size, "ticks between decays").required().greater_than(0);
    s.field("gamma", &StepOptions::gamma, "factor applied at each decay").greater_than(0);
  }
};

class StepScheduler : public Scheduler {
 public:
  using Options = StepOptions;
  StepScheduler(const Options& options, const SchedulerArgs& args) : Scheduler(args), options_(options) {}

 protected:
  std::vector<double> get_lr() override {
    std::vector<double> lrs = group_lrs();
    if (last_epoch_ == 0 || last_epoch_ % options_.step_size != 0) return lrs;
    for (double& lr : lrs) lr = lr * options_.gamma;
    return lrs;
  }
  std::optional<std::vector<double>> closed_form_lr() override {
    std::vector<double> lrs;
    for (double base : base_lrs_) {
      lrs.push_back(base * std::pow(options_.gamma, static_cast<double>(last_epoch_ / options_.step_size)));
    }
    return lrs;
  }

 private:
  Options options_;
};

struct MultiStepOptions {
  std::vector<int64_t> milestones;
  double gamma = 0.1;
  static void declare(config::Schema<MultiStepOptions>& s) {
    s.field("milestones", &MultiStepOptions::milestones, "ticks at which the lr is multiplied by gamma")
        .required()
        .at_least(0);
    s.field("gamma", &MultiStepOptions::gamma, "factor applied at each milestone").greater_than(0);
  }
};

class MultiStepScheduler : public Scheduler {
 public:
  using Options = MultiStepOptions;
  MultiStepScheduler(const Options& options, const SchedulerArgs& args)
      : Scheduler(args), gamma_(options.gamma), sorted_(options.milestones) {
    // PyTorch keeps a Counter: a milestone listed twice decays twice.
    for (int64_t milestone : options.milestones) ++counts_[milestone];
    std::sort(sorted_.begin(), sorted_.end());
  }

 protected:
  std::vector<double> get_lr() override {
    std::vector<double> lrs = group_lrs();
    auto it = counts_.find(last_epoch_);
    if (it == counts_.end()) return lrs;
    for (double& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(it->second));
    return lrs;
  }
  std::optional<std::vector<double>> closed_form_lr() override {
    std::vector<double> lrs;
    const auto passed = static_cast<double>(bisect_right(sorted_, last_epoch_));
    for (double base : base_lrs_) lrs.push_back(base * std::pow(gamma_, passed));
    return lrs;
  }

 private:
  double gamma_;
  std::vector<int64_t> sorted_;
  std::map<int64_t, int64_t> counts_;
};

struct ConstantOptions {
  double factor = 1.0 / 3;
  int64_t total_iters = 5;
  static void declare(config::Schema<ConstantOptions>& s) {
    s.field("factor", &ConstantOptions::factor, "lr factor until total_iters").greater_than(0).at_most(1);
    s.field("total_iters", &ConstantOptions::total_iters, "ticks with the reduced lr").at_least(0);
  }
};

class ConstantScheduler : public Scheduler {
 public:
  using Options = ConstantOptions;
  ConstantScheduler(const Options& options, const SchedulerArgs& args) : Scheduler(args), options_(options) {}

 protected:
  std::vector<double> get_lr() override {
    std::vector<double> lrs = group_lrs();
    if (last_epoch_ == 0) {
      for (double& lr : lrs) lr = lr * options_.factor;
      return lrs;
    }
    if (last_epoch_ > options_.total_iters || last_epoch_ != options_.total_iters) return lrs;
    for (double& lr : lrs) lr = lr * (1.0 / options_.factor);
    return lrs;
  }
  std::optional<std::vector<double>> closed_form_lr() override {
    std::vector<double> lrs;
    const double reached = last_epoch_ >= options_.total_iters ? 1.0 : 0.0;
    for (double base : base_lrs_) lrs.push_back(base * (options_.factor + reached * (1 - options_.factor)));
    return lrs;
  }

 private:
  Options options_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("step", attune::StepScheduler, "StepLR: multiply the lr by gamma every step_size ticks")
ATTUNE_REGISTER_SCHEDULER("multistep", attune::MultiStepScheduler,
                          "MultiStepLR: multiply the lr by gamma at each milestone")
ATTUNE_REGISTER_SCHEDULER("constant", attune::ConstantScheduler,
                          "ConstantLR: lr times factor until total_iters, then the base lr")
