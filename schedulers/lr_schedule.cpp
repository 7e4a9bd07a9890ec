#include "schedulers/lr_schedule.h"

#include "schedulers/linear.h"
#include "schedulers/sequential.h"

namespace attune {

void LrScheduleConfig::declare(config::Schema<LrScheduleConfig>& s) {
  s.component(&LrScheduleConfig::component);
  s.field("interval", &LrScheduleConfig::interval,
          "tick the scheduler after every optimizer `step` or every `epoch` (a metric-driven scheduler ticks after "
          "every evaluation; its warmup at this interval)");
  s.field("warmup_steps", &LrScheduleConfig::warmup_steps,
          "ticks of linear warmup before the scheduler starts (0 = none)")
      .at_least(0);
  s.field("warmup_start_factor", &LrScheduleConfig::warmup_start_factor,
          "lr factor at the first warmup tick, rising linearly to 1")
      .greater_than(0)
      .at_most(1);
}

LrSchedule::LrSchedule(const LrScheduleConfig& config, torch::optim::Optimizer& optimizer, int64_t steps_per_epoch,
                       int64_t epochs, const std::string& monitored_metric, MetricGoal monitored_goal,
                       int64_t total_steps) {
  SchedulerArgs args;
  groups_ = args.groups = std::make_shared<ParamGroups>(optimizer);
  args.monitored_metric = monitored_metric;
  args.monitored_goal = monitored_goal;
  per_step_ = config.interval == ScheduleInterval::step;
  args.ticks_per_epoch = per_step_ ? steps_per_epoch : 1;
  total_ticks_ = per_step_ && total_steps > 0 ? total_steps : args.ticks_per_epoch * epochs;
  args.total_ticks = std::max<int64_t>(total_ticks_ - config.warmup_steps, 1);

  if (config.warmup_steps == 0) {
    scheduler_ = make_scheduler(config.component, args);
  } else {
    // Built in the order a PyTorch user builds them: the warmup, then the main one.
    LinearOptions warmup;
    warmup.start_factor = config.warmup_start_factor;
    warmup.end_factor = 1.0;
    warmup.total_iters = config.warmup_steps;
    auto linear = std::make_shared<LinearScheduler>(warmup, args);
    linear->initialize();
    auto main = make_scheduler(config.component, args);
    if (main->needs_metric()) {
      // SequentialLR would tick it per step (PyTorch's cannot chain it either):
      // the warmup runs on its own, then the metric drives it.
      warmup_ = linear;
      warmup_steps_ = config.warmup_steps;
      scheduler_ = main;
    } else {
      scheduler_ = std::make_shared<SequentialScheduler>(std::vector<std::shared_ptr<Scheduler>>{linear, main},
                                                         std::vector<int64_t>{config.warmup_steps}, args);
    }
  }
  // A scheduler fed the validation metric ticks at evaluations; so do the
  // ticks `attune schedule` prints, unless a per-step warmup comes first.
  if (scheduler_->needs_metric() && !(warmup_ && per_step_)) {
    per_step_ = false;
    total_ticks_ = epochs;
  }
}

void LrSchedule::tick_warmup() {
  warmup_->step();
  ++warmup_ticks_;
}

void LrSchedule::after_optimizer_step() {
  if (!per_step_) return;
  if (warming_up()) {
    tick_warmup();
  } else if (!scheduler_->needs_metric()) {
    scheduler_->step();
  }
}

void LrSchedule::after_evaluation(double metric) {
  if (warming_up()) {
    if (!per_step_) tick_warmup();
    return;  // the metric of a run still warming up is not judged
  }
  if (scheduler_->needs_metric()) {
    scheduler_->step_metric(metric);
  } else if (!per_step_) {
    scheduler_->step();
  }
}

nlohmann::json LrSchedule::state() const {
  if (!warmup_) return scheduler_->state();
  return {{"warmup", warmup_->state()},
          {"warmup_ticks", warmup_ticks_},
          {"main", scheduler_->state()},
          {"lrs", groups_->lrs()}};
}

void LrSchedule::load_state(const nlohmann::json& state) {
  if (warmup_) {
    warmup_->load_state(state.at("warmup"));
    warmup_ticks_ = state.at("warmup_ticks").get<int64_t>();
    scheduler_->load_state(state.at("main"));
    const auto lrs = state.at("lrs").get<std::vector<double>>();
    for (size_t g = 0; g < groups_->size() && g < lrs.size(); ++g) groups_->set_lr(g, lrs[g]);
    return;
  }
  scheduler_->load_state(state);
  const auto& lrs = scheduler_->last_lrs();
  for (size_t g = 0; g < groups_->size() && g < lrs.size(); ++g) groups_->set_lr(g, lrs[g]);
}

}  // namespace attune
