#pragma once

#include <memory>
#include <string>

#include "schedulers/scheduler.h"

namespace attune {

/// The `scheduler:` section: a registered scheduler plus how it is driven.
struct LrScheduleConfig {
  std::string interval = "step";
  int64_t warmup_steps = 0;
  double warmup_start_factor = 0.01;
  Component<SchedulerKind> scheduler{"none"};
  static void declare(config::Schema<LrScheduleConfig>& s);
};

/// Drives a scheduler from the training loop: ticks after each optimizer step
/// (`interval: step`) or after each evaluation (`interval: epoch`, and always
/// for schedulers fed the validation metric), with the optional linear warmup
/// in front as PyTorch's SequentialLR([LinearLR, main], [warmup_steps]).
class LrSchedule {
 public:
  /// `steps_per_epoch` and `epochs` size the run for schedules that default
  /// to its length.
  LrSchedule(const LrScheduleConfig& config, torch::optim::Optimizer& optimizer, int64_t steps_per_epoch,
             int64_t epochs);

  /// Call after every optimizer step.
  void after_optimizer_step();
  /// Call after every evaluation with the monitored metric.
  void after_evaluation(double metric);

  /// What a checkpoint keeps of the schedule, and its restoration: the
  /// scheduler's state, then every group's lr as the scheduler last set it
  /// (momentum travels with the optimizer's own state).
  nlohmann::json state() const { return scheduler_->state(); }
  void load_state(const nlohmann::json& state);

  /// Ticks in the whole run (what `attune schedule` prints by default).
  int64_t total_ticks() const { return total_ticks_; }
  bool per_step() const { return per_step_; }
  Scheduler& scheduler() { return *scheduler_; }

 private:
  std::shared_ptr<Scheduler> scheduler_;
  std::shared_ptr<ParamGroups> groups_;
  bool per_step_;
  int64_t total_ticks_;
};

}  // namespace attune
