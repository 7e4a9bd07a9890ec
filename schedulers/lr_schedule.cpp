#include "schedulers/lr_schedule.h"

#include "schedulers/linear.h"
#include "schedulers/sequential.h"

namespace attune {

void LrScheduleConfig::declare(config::Schema<LrScheduleConfig>& s) {
  s.component(&LrScheduleConfig::scheduler);
  s.field("interval", &LrScheduleConfig::interval, "tick the scheduler after every optimizer `step` or every `epoch`")
      .one_of({"step", "epoch"});
  s.field("warmup_steps", &LrScheduleConfig::warmup_steps,
          "ticks of linear warmup before the scheduler starts (0 = none)")
      .at_least(0);
  s.field("warmup_start_factor", &LrScheduleConfig::warmup_start_factor,
          "lr factor at the first warmup tick, rising linearly to 1")
      .greater_than(0)
      .at_most(1);
}

LrSchedule::LrSchedule(const LrScheduleConfig& config, torch::optim::Optimizer& optimizer, int64_t steps_per_epoch,
                       int64_t epochs) {
  SchedulerArgs args;
  groups_ = args.groups = std::make_shared<ParamGroups>(optimizer);
  per_step_ = config.interval == "step";
  args.ticks_per_epoch = per_step_ ? steps_per_epoch : 1;
  total_ticks_ = args.ticks_per_epoch * epochs;
  args.total_ticks = std::max<int64_t>(total_ticks_ - config.warmup_steps, 1);

  if (config.warmup_steps == 0) {
    scheduler_ = make_scheduler(config.scheduler, args);
  } else {
    LinearOptions warmup;
    warmup.start_factor = config.warmup_start_factor;
    warmup.end_factor = 1.0;
    warmup.total_iters = config.warmup_steps;
    auto linear = std::make_shared<LinearScheduler>(warmup, args);
    linear->initialize();
    auto main = make_scheduler(config.scheduler, args);
    scheduler_ = std::make_shared<SequentialScheduler>(std::vector<std::shared_ptr<Scheduler>>{linear, main},
                                                       std::vector<int64_t>{config.warmup_steps}, args);
  }
  // A scheduler fed the validation metric can only tick when there is one.
  if (scheduler_->needs_metric()) {
    per_step_ = false;
    total_ticks_ = epochs;
  }
}

void LrSchedule::load_state(const nlohmann::json& state) {
  scheduler_->load_state(state);
  const auto& lrs = scheduler_->last_lrs();
  for (size_t g = 0; g < groups_->size() && g < lrs.size(); ++g) groups_->set_lr(g, lrs[g]);
}

void LrSchedule::after_optimizer_step() {
  if (per_step_) scheduler_->step();
}

void LrSchedule::after_evaluation(double metric) {
  if (per_step_) return;
  if (scheduler_->needs_metric()) {
    scheduler_->step_metric(metric);
  } else {
    scheduler_->step();
  }
}

}  // namespace attune
