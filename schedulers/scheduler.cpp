#include "schedulers/scheduler.h"

ATTUNE_DEFINE_REGISTRY(attune::SchedulerKind)

namespace attune {

Scheduler::Scheduler(const SchedulerArgs& args) : groups_(args.groups) {}

void Scheduler::initialize() {
  groups_->setdefault_initial_lrs();
  base_lrs_ = groups_->initial_lrs();
  step_count_ = 0;
  step();
  after_initialize();
}

void Scheduler::step(std::optional<int64_t> epoch) {
  ++step_count_;
  std::vector<double> values;
  if (!epoch) {
    ++last_epoch_;
    values = get_lr();
  } else {
    last_epoch_ = *epoch;
    auto closed = closed_form_lr();
    values = closed ? *closed : get_lr();
  }
  for (size_t i = 0; i < values.size(); ++i) groups_->set_lr(i, values[i]);
  last_lrs_ = group_lrs();
}

nlohmann::json Scheduler::state() const {
  return {{"last_epoch", last_epoch_}, {"step_count", step_count_}, {"base_lrs", base_lrs_}, {"last_lrs", last_lrs_}};
}

void Scheduler::load_state(const nlohmann::json& state) {
  last_epoch_ = state.at("last_epoch").get<int64_t>();
  step_count_ = state.at("step_count").get<int64_t>();
  base_lrs_ = state.at("base_lrs").get<std::vector<double>>();
  last_lrs_ = state.at("last_lrs").get<std::vector<double>>();
}

void refuse_metric_driven(const std::vector<std::shared_ptr<Scheduler>>& children, const char* composite) {
  for (size_t i = 0; i < children.size(); ++i) {
    if (!children[i]->needs_metric()) continue;
    input_error(
        "scheduler `{}`: schedulers[{}] is fed the validation metric after each evaluation, which `{}` cannot do "
        "(it ticks its schedulers per step or epoch); use it as the scheduler itself, with `warmup_steps` for a "
        "warmup before it",
        composite, i, composite);
  }
}

std::shared_ptr<Scheduler> make_scheduler(const Component<SchedulerKind>& component, const SchedulerArgs& args) {
  auto scheduler = component.create(args);
  scheduler->initialize();
  return scheduler;
}

}  // namespace attune
