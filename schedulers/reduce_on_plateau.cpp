// `reduce_on_plateau`: torch.optim.lr_scheduler.ReduceLROnPlateau, fed the
// monitored validation metric after every evaluation.
#include <cmath>
#include <limits>

#include "core/metrics/metric_goal.h"
#include "schedulers/per_group.h"
#include "schedulers/scheduler.h"

namespace attune {
namespace {

/// How `threshold` compares a metric with the best so far.
enum class ThresholdMode { rel, abs };
const config::EnumNames<ThresholdMode>& enum_names(ThresholdMode) {
  static const config::EnumNames<ThresholdMode> names = {{ThresholdMode::rel, "rel"}, {ThresholdMode::abs, "abs"}};
  return names;
}

struct PlateauOptions {
  MetricMode mode = MetricMode::automatic;
  double factor = 0.1;
  int64_t patience = 10;
  double threshold = 1e-4;
  ThresholdMode threshold_mode = ThresholdMode::rel;
  int64_t cooldown = 0;
  PerGroup min_lr{{0.0}};
  double eps = 1e-8;
  static void declare(config::Schema<PlateauOptions>& s) {
    using O = PlateauOptions;
    s.field("mode", &O::mode,
            "`auto`: the direction of the metric it is fed (train.early_stopping.metric: losses fall, accuracy "
            "rises); `min` or `max` must agree with it");
    s.field("factor", &O::factor, "lr factor at each reduction").greater_than(0).less_than(1);
    s.field("patience", &O::patience, "evaluations without improvement before reducing").at_least(0);
    s.field("threshold", &O::threshold, "smallest change that counts as an improvement").at_least(0);
    s.field("threshold_mode", &O::threshold_mode, "threshold relative to the best value, or absolute");
    s.field("cooldown", &O::cooldown, "evaluations to wait after a reduction").at_least(0);
    s.field("min_lr", &O::min_lr, "lowest lr (per group)").at_least(0);
    s.field("eps", &O::eps, "reductions smaller than this are skipped").at_least(0);
  }
};

class PlateauScheduler : public Scheduler {
 public:
  using Options = PlateauOptions;
  PlateauScheduler(const Options& options, const SchedulerArgs& args)
      : Scheduler(args), options_(options), goal_(goal_for(options, args.monitored_metric, args.monitored_goal)) {
    best_ = worst();
  }

  // ReduceLROnPlateau is no _LRScheduler: no initial_lr, no initial step.
  void initialize() override {
    last_epoch_ = 0;
    last_lrs_ = group_lrs();
  }
  bool needs_metric() const override { return true; }
  void step(std::optional<int64_t> = std::nullopt) override {
    input_error("scheduler reduce_on_plateau ticks only with a validation metric");
  }

  void step_metric(double current) override {
    last_epoch_ += 1;
    if (is_better(current, best_)) {
      best_ = current;
      num_bad_epochs_ = 0;
    } else {
      num_bad_epochs_ += 1;
    }
    if (cooldown_counter_ > 0) {
      cooldown_counter_ -= 1;
      num_bad_epochs_ = 0;
    }
    if (num_bad_epochs_ > options_.patience) {
      for (size_t g = 0; g < groups().size(); ++g) {
        const double old_lr = groups().lr(g);
        const double new_lr = std::max(old_lr * options_.factor, options_.min_lr.at(g, groups().size(), "min_lr"));
        if (old_lr - new_lr > options_.eps) groups().set_lr(g, new_lr);
      }
      cooldown_counter_ = options_.cooldown;
      num_bad_epochs_ = 0;
    }
    last_lrs_ = group_lrs();
  }

  nlohmann::json state() const override {
    auto state = Scheduler::state();
    // JSON has no infinity: the initial "worst" best is stored as null.
    state["best"] = std::isinf(best_) ? nlohmann::json() : nlohmann::json(best_);
    state["num_bad_epochs"] = num_bad_epochs_;
    state["cooldown_counter"] = cooldown_counter_;
    return state;
  }
  void load_state(const nlohmann::json& state) override {
    Scheduler::load_state(state);
    best_ = state.at("best").is_null() ? worst() : state.at("best").get<double>();
    num_bad_epochs_ = state.at("num_bad_epochs").get<int64_t>();
    cooldown_counter_ = state.at("cooldown_counter").get<int64_t>();
  }

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }

 private:
  // `auto` follows the metric it is fed; without one (a scheduler built
  // outside a run) PyTorch's default, `min`.
  static MetricGoal goal_for(const Options& options, const std::string& metric, MetricGoal own) {
    if (metric.empty()) return explicit_goal(options.mode).value_or(MetricGoal::minimize);
    const std::string conflict =
        mode_conflict(metric, own, options.mode, fmt::format("cut the lr while {} improves", metric));
    if (!conflict.empty()) {
      input_error("scheduler.mode (reduce_on_plateau, fed train.early_stopping.metric): {}", conflict);
    }
    return resolve_goal(own, options.mode);
  }
  double worst() const {
    return goal_ == MetricGoal::minimize ? std::numeric_limits<double>::infinity()
                                         : -std::numeric_limits<double>::infinity();
  }
  bool is_better(double a, double best) const {
    const bool minimize = goal_ == MetricGoal::minimize;
    switch (options_.threshold_mode) {
      case ThresholdMode::rel:
        return minimize ? a < best * (1. - options_.threshold) : a > best * (options_.threshold + 1.);
      case ThresholdMode::abs:
        return minimize ? a < best - options_.threshold : a > best + options_.threshold;
    }
    return false;
  }

  Options options_;
  MetricGoal goal_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("reduce_on_plateau", attune::PlateauScheduler,
                          "ReduceLROnPlateau: cut the lr by factor when the validation metric stalls")
