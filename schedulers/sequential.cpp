#include "schedulers/sequential.h"

namespace attune {

void SequentialOptions::declare(config::Schema<SequentialOptions>& s) {
  s.field("schedulers", &SequentialOptions::schedulers, "schedulers to run one after another").required();
  s.field("milestones", &SequentialOptions::milestones,
          "ticks at which the next scheduler takes over (one fewer than schedulers)")
      .required()
      .at_least(0);
  s.check("milestones", [](const SequentialOptions& o) -> std::string {
    if (o.milestones.size() + 1 == o.schedulers.size()) return "";
    return fmt::format("expected {} milestones for {} schedulers, got {}",
                       o.schedulers.empty() ? 0 : o.schedulers.size() - 1, o.schedulers.size(), o.milestones.size());
  });
}

size_t bisect_right(const std::vector<int64_t>& values, int64_t x) {
  size_t lo = 0, hi = values.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (x < values[mid]) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

SequentialScheduler::SequentialScheduler(const Options& options, const SchedulerArgs& args)
    : Scheduler(args), milestones_(options.milestones) {
  for (const auto& component : options.schedulers) {
    schedulers_.push_back(make_scheduler(component, args));
  }
  start();
}

SequentialScheduler::SequentialScheduler(std::vector<std::shared_ptr<Scheduler>> schedulers,
                                         std::vector<int64_t> milestones, const SchedulerArgs& args)
    : Scheduler(args), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  start();
}

// SequentialLR.__init__: undo the initial steps the children made while being
// built, then make the first child's initial step again.
void SequentialScheduler::start() {
  refuse_metric_driven(schedulers_, "sequential");
  last_epoch_ = 0;
  for (size_t i = 0; i < groups().size(); ++i) groups().set_lr(i, groups().initial_lrs()[i]);
  for (auto& scheduler : schedulers_) scheduler->last_epoch_ -= 1;
  schedulers_.front()->initialize();
  last_lrs_ = schedulers_.front()->last_lrs();
}

void SequentialScheduler::step(std::optional<int64_t>) {
  ++last_epoch_;
  const size_t index = bisect_right(milestones_, last_epoch_);
  auto& scheduler = schedulers_.at(index);
  if (index > 0 && milestones_[index - 1] == last_epoch_) {
    scheduler->step(0);
  } else {
    scheduler->step();
  }
  last_lrs_ = scheduler->last_lrs();
}

nlohmann::json SequentialScheduler::state() const {
  nlohmann::json state = Scheduler::state();
  for (const auto& scheduler : schedulers_) state["schedulers"].push_back(scheduler->state());
  return state;
}

void SequentialScheduler::load_state(const nlohmann::json& state) {
  Scheduler::load_state(state);
  const auto& children = state.at("schedulers");
  for (size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state(children.at(i));
}

}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("sequential", attune::SequentialScheduler,
                          "SequentialLR: schedulers one after another, switching at milestones")
