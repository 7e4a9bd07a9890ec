// `one_cycle`: torch.optim.lr_scheduler.OneCycleLR (Smith & Topin 2018, "Super-
// Convergence"): the lr rises to max_lr and anneals far below its start, while
// momentum (SGD's, or Adam's beta1) moves the opposite way.
#include <cmath>

#include "schedulers/per_group.h"
#include "schedulers/scheduler.h"

namespace attune {
namespace {

/// The annealing curve between phases.
enum class AnnealStrategy { cos, linear };
const config::EnumNames<AnnealStrategy>& enum_names(AnnealStrategy) {
  static const config::EnumNames<AnnealStrategy> names = {{AnnealStrategy::cos, "cos"},
                                                          {AnnealStrategy::linear, "linear"}};
  return names;
}

struct OneCycleOptions {
  PerGroup max_lr;
  int64_t total_steps = 0;
  int64_t epochs = 0;
  int64_t steps_per_epoch = 0;
  double pct_start = 0.3;
  AnnealStrategy anneal_strategy = AnnealStrategy::cos;
  bool cycle_momentum = true;
  PerGroup base_momentum{{0.85}};
  PerGroup max_momentum{{0.95}};
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool three_phase = false;
  static void declare(config::Schema<OneCycleOptions>& s) {
    using O = OneCycleOptions;
    s.field("max_lr", &O::max_lr, "peak lr (per group); null = each group's own lr").greater_than(0);
    s.field("total_steps", &O::total_steps, "length of the cycle in ticks; 0 = epochs x steps_per_epoch").at_least(0);
    s.field("epochs", &O::epochs, "with steps_per_epoch, the cycle's length; 0 = the whole run").at_least(0);
    s.field("steps_per_epoch", &O::steps_per_epoch, "see epochs; 0 = the run's").at_least(0);
    s.field("pct_start", &O::pct_start, "share of the cycle spent raising the lr").at_least(0).at_most(1);
    s.field("anneal_strategy", &O::anneal_strategy, "annealing curve");
    s.field("cycle_momentum", &O::cycle_momentum, "cycle momentum (or Adam's beta1) inversely to the lr");
    s.field("base_momentum", &O::base_momentum, "lowest momentum, reached at the peak lr").at_least(0);
    s.field("max_momentum", &O::max_momentum, "highest momentum, at the start and end").at_least(0);
    s.field("div_factor", &O::div_factor, "initial lr = max_lr / div_factor").greater_than(0);
    s.field("final_div_factor", &O::final_div_factor, "final lr = initial lr / final_div_factor").greater_than(0);
    s.field("three_phase", &O::three_phase, "anneal back to the initial lr before the final decay");
  }
};

class OneCycleScheduler : public Scheduler {
 public:
  using Options = OneCycleOptions;

  OneCycleScheduler(const Options& options, const SchedulerArgs& args) : Scheduler(args), options_(options) {
    if (options.total_steps > 0) {
      total_steps_ = options.total_steps;
    } else if (options.epochs > 0) {
      total_steps_ = options.epochs * (options.steps_per_epoch > 0 ? options.steps_per_epoch : args.ticks_per_epoch);
    } else {
      total_steps_ = std::max<int64_t>(args.total_ticks, 1);
    }
    build_phases();
    // As PyTorch: the group's initial lr becomes max_lr / div_factor.
    const size_t n = groups().size();
    for (size_t g = 0; g < n; ++g) {
      const double max_lr = options.max_lr.empty() ? groups().lr(g) : options.max_lr.at(g, n, "max_lr");
      GroupValues values;
      values.v[kMax] = max_lr;
      values.v[kInitial] = max_lr / options.div_factor;
      values.v[kMin] = values.v[kInitial] / options.final_div_factor;
      if (options.cycle_momentum) {
        if (!groups().has_momentum(g)) {
          input_error("scheduler one_cycle: cycle_momentum needs an optimizer with momentum or betas");
        }
        values.v[kMaxMomentum] = options.max_momentum.at(g, n, "max_momentum");
        values.v[kBaseMomentum] = options.base_momentum.at(g, n, "base_momentum");
        groups().set_momentum(g, values.v[kMaxMomentum]);
      }
      values_.push_back(values);
      groups().set_initial_lr(g, values.v[kInitial]);
    }
  }

  nlohmann::json state() const override {
    auto state = Scheduler::state();
    state["total_steps"] = total_steps_;
    return state;
  }
  // The cycle's length as the run began: a resumed run whose length is
  // computed differently (other data, other ranks) still ends its cycle.
  void load_state(const nlohmann::json& state) override {
    Scheduler::load_state(state);
    if (state.contains("total_steps")) {
      total_steps_ = state.at("total_steps").get<int64_t>();
      build_phases();
    }
  }

 protected:
  std::vector<double> get_lr() override {
    const int64_t step = last_epoch_;
    if (step > total_steps_) {
      input_error("scheduler one_cycle: tick {} is past its total_steps ({}); lengthen the cycle", step, total_steps_);
    }
    std::vector<double> lrs;
    for (size_t g = 0; g < values_.size(); ++g) {
      double start_step = 0, lr = 0, momentum = 0;
      for (size_t i = 0; i < phases_.size(); ++i) {
        const Phase& phase = phases_[i];
        if (static_cast<double>(step) <= phase.end_step || i + 1 == phases_.size()) {
          const double pct = (static_cast<double>(step) - start_step) / (phase.end_step - start_step);
          lr = anneal(values_[g].v[phase.start_lr], values_[g].v[phase.end_lr], pct);
          if (options_.cycle_momentum) {
            momentum = anneal(values_[g].v[phase.start_momentum], values_[g].v[phase.end_momentum], pct);
          }
          break;
        }
        start_step = phase.end_step;
      }
      lrs.push_back(lr);
      if (options_.cycle_momentum) groups().set_momentum(g, momentum);
    }
    return lrs;
  }

 private:
  enum Value { kInitial, kMax, kMin, kMaxMomentum, kBaseMomentum, kValueCount };
  struct Phase {
    double end_step;
    Value start_lr, end_lr, start_momentum, end_momentum;
  };
  struct GroupValues {
    double v[kValueCount] = {};
  };

  void build_phases() {
    const auto total = static_cast<double>(total_steps_);
    const double pct = options_.pct_start;
    if (options_.three_phase) {
      phases_ = {{pct * total - 1, kInitial, kMax, kMaxMomentum, kBaseMomentum},
                 {2 * pct * total - 2, kMax, kInitial, kBaseMomentum, kMaxMomentum},
                 {total - 1, kInitial, kMin, kMaxMomentum, kMaxMomentum}};
    } else {
      phases_ = {{pct * total - 1, kInitial, kMax, kMaxMomentum, kBaseMomentum},
                 {total - 1, kMax, kMin, kBaseMomentum, kMaxMomentum}};
    }
  }

  double anneal(double start, double end, double pct) const {
    switch (options_.anneal_strategy) {
      case AnnealStrategy::cos: {
        const double cos_out = std::cos(M_PI * pct) + 1;
        return end + (start - end) / 2.0 * cos_out;
      }
      case AnnealStrategy::linear:
        return (end - start) * pct + start;
    }
    return end;
  }

  Options options_;
  int64_t total_steps_ = 0;
  std::vector<Phase> phases_;
  std::vector<GroupValues> values_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("one_cycle", attune::OneCycleScheduler,
                          "OneCycleLR: up to max_lr and far down in one cycle, momentum inversely")
