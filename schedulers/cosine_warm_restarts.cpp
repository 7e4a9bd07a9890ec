// `cosine_warm_restarts`: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts
// (SGDR, Loshchilov & Hutter 2017): cosine periods of t_0, t_0*t_mult, ...
#include <cmath>

#include "schedulers/scheduler.h"

namespace attune {
namespace {

struct WarmRestartsOptions {
  int64_t t_0 = 0;
  int64_t t_mult = 1;
  double eta_min = 0.0;
  static void declare(config::Schema<WarmRestartsOptions>& s) {
    s.field("t_0", &WarmRestartsOptions::t_0, "ticks in the first period").required().greater_than(0);
    s.field("t_mult", &WarmRestartsOptions::t_mult, "each period is this many times longer").at_least(1);
    s.field("eta_min", &WarmRestartsOptions::eta_min, "lowest lr").at_least(0);
  }
};

class WarmRestartsScheduler : public Scheduler {
 public:
  using Options = WarmRestartsOptions;
  WarmRestartsScheduler(const Options& options, const SchedulerArgs& args)
      : Scheduler(args), options_(options), t_i_(static_cast<double>(options.t_0)), t_cur_(-1) {}

  void step(std::optional<int64_t> epoch_arg = std::nullopt) override {
    const auto t_0 = static_cast<double>(options_.t_0);
    const auto t_mult = static_cast<double>(options_.t_mult);
    std::optional<double> epoch;
    if (epoch_arg) epoch = static_cast<double>(*epoch_arg);
    if (!epoch && last_epoch_ < 0) epoch = 0.0;
    if (!epoch) {
      epoch = static_cast<double>(last_epoch_ + 1);
      t_cur_ = t_cur_ + 1;
      if (t_cur_ >= t_i_) {
        t_cur_ = t_cur_ - t_i_;
        t_i_ = t_i_ * t_mult;
      }
    } else if (*epoch >= t_0) {
      if (options_.t_mult == 1) {
        t_cur_ = std::fmod(*epoch, t_0);
      } else {
        const auto n = static_cast<int64_t>(std::log(*epoch / t_0 * (t_mult - 1) + 1) / std::log(t_mult));
        t_cur_ = *epoch - t_0 * (std::pow(t_mult, static_cast<double>(n)) - 1) / (t_mult - 1);
        t_i_ = t_0 * std::pow(t_mult, static_cast<double>(n));
      }
    } else {
      t_i_ = t_0;
      t_cur_ = *epoch;
    }
    last_epoch_ = static_cast<int64_t>(std::floor(*epoch));
    const auto lrs = get_lr();
    for (size_t i = 0; i < lrs.size(); ++i) groups_->set_lr(i, lrs[i]);
    last_lrs_ = group_lrs();
  }

  nlohmann::json state() const override {
    auto state = Scheduler::state();
    state["t_i"] = t_i_;
    state["t_cur"] = t_cur_;
    return state;
  }
  void load_state(const nlohmann::json& state) override {
    Scheduler::load_state(state);
    t_i_ = state.at("t_i").get<double>();
    t_cur_ = state.at("t_cur").get<double>();
  }

 protected:
  std::vector<double> get_lr() override {
    std::vector<double> lrs;
    for (double base : base_lrs_) {
      lrs.push_back(options_.eta_min + (base - options_.eta_min) * (1 + std::cos(M_PI * t_cur_ / t_i_)) / 2);
    }
    return lrs;
  }

 private:
  Options options_;
  double t_i_;
  double t_cur_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("cosine_warm_restarts", attune::WarmRestartsScheduler,
                          "CosineAnnealingWarmRestarts: cosine periods of t_0, t_0*t_mult, ... ticks")
