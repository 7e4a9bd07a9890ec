#pragma once

#include <memory>
#include <string>
#include <vector>

#include "schedulers/scheduler.h"

namespace attune {

/// `scheduler.interval`: what a tick of the scheduler is.
enum class ScheduleInterval { step, epoch };
inline const config::EnumNames<ScheduleInterval>& enum_names(ScheduleInterval) {
  static const config::EnumNames<ScheduleInterval> names = {{ScheduleInterval::step, "step"},
                                                            {ScheduleInterval::epoch, "epoch"}};
  return names;
}

/// The `scheduler:` section: a registered scheduler plus how it is driven.
struct LrScheduleConfig {
  ScheduleInterval interval = ScheduleInterval::step;
  int64_t warmup_steps = 0;
  double warmup_start_factor = 0.01;
  Component<SchedulerKind> component{"none"};  // `type:` and its options
  static void declare(config::Schema<LrScheduleConfig>& s);
};

/// Drives a scheduler from the training loop: ticks after each optimizer step
/// (`interval: step`) or after each evaluation (`interval: epoch`), with the
/// optional linear warmup in front as PyTorch's SequentialLR([LinearLR, main],
/// [warmup_steps]).
///
/// A scheduler fed the validation metric (reduce_on_plateau) ticks after each
/// evaluation, whatever the interval. Its warmup runs on its own at the
/// interval's ticks (optimizer steps by default); evaluations before the
/// warmup ends are not fed to it, so it judges the metric only from the full
/// learning rate on and scales down from there.
class LrSchedule {
 public:
  /// `steps_per_epoch` and `epochs` size the run for schedules that default
  /// to its length (`total_steps` optimizer steps where the run stops
  /// mid-epoch; 0 = steps_per_epoch x epochs); `monitored_metric` is what
  /// metric-driven schedulers are fed, and `monitored_goal` the way it improves.
  LrSchedule(const LrScheduleConfig& config, torch::optim::Optimizer& optimizer, int64_t steps_per_epoch,
             int64_t epochs, const std::string& monitored_metric = "", MetricGoal monitored_goal = MetricGoal::minimize,
             int64_t total_steps = 0);

  /// Call after every optimizer step.
  void after_optimizer_step();
  /// Call after every evaluation with the monitored metric.
  void after_evaluation(double metric);

  /// What a checkpoint keeps of the schedule, and its restoration: the
  /// scheduler's state, then every group's lr as the scheduler last set it
  /// (momentum travels with the optimizer's own state).
  nlohmann::json state() const;
  void load_state(const nlohmann::json& state);

  /// Ticks in the whole run (what `attune schedule` prints by default).
  int64_t total_ticks() const { return total_ticks_; }
  /// Whether a tick is an optimizer step (else an evaluation).
  bool per_step() const { return per_step_; }
  /// Whether evaluations feed the metric to the scheduler.
  bool needs_metric() const { return scheduler_->needs_metric(); }
  /// Every group's current lr.
  std::vector<double> lrs() const { return groups_->lrs(); }
  /// The scheduler itself (with its SequentialLR warmup, where it has one).
  Scheduler& scheduler() { return *scheduler_; }

 private:
  bool warming_up() const { return warmup_ && warmup_ticks_ < warmup_steps_; }
  void tick_warmup();

  std::shared_ptr<ParamGroups> groups_;
  std::shared_ptr<Scheduler> scheduler_;
  // A metric-driven scheduler's warmup, ticked on its own before it.
  std::shared_ptr<Scheduler> warmup_;
  int64_t warmup_steps_ = 0;
  int64_t warmup_ticks_ = 0;
  bool per_step_;
  int64_t total_ticks_;
};

}  // namespace attune
