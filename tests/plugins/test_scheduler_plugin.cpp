// A scheduler plugin for the tests: halves the lr every `every` ticks.
#include "schedulers/scheduler.h"

namespace {

struct HalvingOptions {
  int64_t every = 1;
  static void declare(attune::config::Schema<HalvingOptions>& s) {
    s.field("every", &HalvingOptions::every, "ticks between halvings").greater_than(0);
  }
};

class HalvingScheduler : public attune::Scheduler {
 public:
  using Options = HalvingOptions;
  HalvingScheduler(const Options& options, const attune::SchedulerArgs& args)
      : Scheduler(args), every_(options.every) {}

 protected:
  std::vector<double> get_lr() override {
    std::vector<double> lrs;
    for (double base : base_lrs_) lrs.push_back(base * std::pow(0.5, static_cast<double>(last_epoch_ / every_)));
    return lrs;
  }

 private:
  int64_t every_;
};

}  // namespace

ATTUNE_REGISTER_SCHEDULER("test_halving", HalvingScheduler, "halves the lr every `every` ticks (test plugin)")
