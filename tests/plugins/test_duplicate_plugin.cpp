// A plugin that registers a name a built-in already has: loading must fail.
#include "schedulers/scheduler.h"

namespace {

class ClashingScheduler : public attune::Scheduler {
 public:
  using Options = attune::config::NoOptions;
  ClashingScheduler(const Options&, const attune::SchedulerArgs& args) : Scheduler(args) {}

 protected:
  std::vector<double> get_lr() override { return base_lrs_; }
};

}  // namespace

ATTUNE_REGISTER_SCHEDULER("cosine", ClashingScheduler, "clashes with the built-in cosine")
