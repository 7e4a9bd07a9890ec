#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/metrics/metric_goal.h"
#include "core/registry/component.h"
#include "core/registry/registry.h"
#include "schedulers/param_groups.h"

namespace attune {

/// What a scheduler factory gets besides its options.
struct SchedulerArgs {
  std::shared_ptr<ParamGroups> groups;
  /// Ticks in the whole run (optimizer steps, or epochs for `interval: epoch`),
  /// after any warmup: the default length of schedules such as cosine.
  int64_t total_ticks = 0;
  /// Ticks in one epoch (1 for `interval: epoch`).
  int64_t ticks_per_epoch = 1;
  /// The validation metric a metric-driven scheduler is fed (the trainer's
  /// `train.early_stopping.metric`), whose direction its `mode: auto` takes;
  /// empty where no run is behind it (PyTorch's defaults then apply).
  std::string monitored_metric;
  /// Which way the monitored metric improves (the registered metric's own).
  MetricGoal monitored_goal = MetricGoal::minimize;
};

/// A learning-rate schedule: a port of torch.optim.lr_scheduler._LRScheduler,
/// computing the same recursive ("chainable") formulas in the same order, so
/// that the lr sequence equals PyTorch's to the last bit wherever libm agrees.
///
/// Subclasses implement get_lr() (PyTorch's chainable form, reading the
/// groups' current lr) and, where PyTorch has one, closed_form_lr().
class Scheduler {
 public:
  explicit Scheduler(const SchedulerArgs& args);
  virtual ~Scheduler() = default;

  /// The end of PyTorch's `_LRScheduler.__init__`: make_scheduler calls it
  /// once right after construction. It records the groups' `initial_lr` as
  /// the base lrs and makes the initial step that sets tick 0's lr.
  virtual void initialize();
  /// Advances one tick. With `epoch` it jumps there and uses the closed form,
  /// as PyTorch's deprecated `step(epoch)` does (SequentialLR relies on it).
  virtual void step(std::optional<int64_t> epoch = std::nullopt);
  /// One tick fed the monitored validation metric (reduce_on_plateau).
  virtual void step_metric(double metric) { step(); }
  /// True when step_metric must be used (the trainer then ticks per epoch).
  virtual bool needs_metric() const { return false; }

  /// The lr of every group after the last tick.
  const std::vector<double>& last_lrs() const { return last_lrs_; }
  int64_t last_epoch() const { return last_epoch_; }

  /// PyTorch's state_dict/load_state_dict: what a resumed run needs to
  /// continue the exact sequence.
  virtual nlohmann::json state() const;
  virtual void load_state(const nlohmann::json& state);

 protected:
  virtual std::vector<double> get_lr() = 0;
  virtual std::optional<std::vector<double>> closed_form_lr() { return std::nullopt; }
  /// Runs at the end of initialize() (CyclicLR replaces its base lrs there).
  virtual void after_initialize() {}

  ParamGroups& groups() { return *groups_; }
  /// Current lr of every group (PyTorch's `group['lr'] for group in ...`).
  std::vector<double> group_lrs() const { return groups_->lrs(); }

  std::shared_ptr<ParamGroups> groups_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;
  std::vector<double> last_lrs_;

  friend class SequentialScheduler;
  friend class ChainedScheduler;
};

/// Registry traits for schedulers.
struct SchedulerKind {
  using Base = Scheduler;
  using Args = SchedulerArgs;
  static constexpr const char* kName = "scheduler";
  static constexpr const char* kPlural = "schedulers";
};
template <>
Registry<SchedulerKind>& registry<SchedulerKind>();

/// An InputError when one of a composite's `children` is fed the validation
/// metric: `sequential` and `chained` tick theirs per step or epoch, which such
/// a scheduler cannot follow (as in PyTorch); `warmup_steps` warms one up.
void refuse_metric_driven(const std::vector<std::shared_ptr<Scheduler>>& children, const char* composite);

/// Builds a registered scheduler and performs its initial step, as
/// constructing one in PyTorch does.
std::shared_ptr<Scheduler> make_scheduler(const Component<SchedulerKind>& component, const SchedulerArgs& args);

}  // namespace attune

/// Registers a scheduler class: `ATTUNE_REGISTER_SCHEDULER("name", MyScheduler, "help")`.
#define ATTUNE_REGISTER_SCHEDULER(NAME, CLASS, HELP) ATTUNE_REGISTER(::attune::SchedulerKind, NAME, CLASS, HELP)
