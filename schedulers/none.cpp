// `none`: the lr stays at the optimizer's lr (the default when no scheduler
// is configured).
#include "schedulers/scheduler.h"

namespace attune {
namespace {

class NoScheduler : public Scheduler {
 public:
  using Options = config::NoOptions;
  NoScheduler(const Options&, const SchedulerArgs& args) : Scheduler(args) {}

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("none", attune::NoScheduler, "constant learning rate: the optimizer's lr")
