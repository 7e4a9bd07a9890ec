// An example scheduler plugin: warmup-stable-decay (WSD), the schedule of
// MiniCPM (Hu et al. 2024): linear warmup, a long constant phase, and a short
// linear decay at the end. PyTorch has no such scheduler; this file is all it
// takes to add one to attune.
#include "schedulers/scheduler.h"

struct WsdOptions {
  int64_t warmup_ticks = 0;
  double decay_fraction = 0.1;
  double min_factor = 0.0;
  static void declare(attune::config::Schema<WsdOptions>& s) {
    s.field("warmup_ticks", &WsdOptions::warmup_ticks, "ticks of linear warmup").at_least(0);
    s.field("decay_fraction", &WsdOptions::decay_fraction, "share of the run spent decaying").at_least(0).at_most(1);
    s.field("min_factor", &WsdOptions::min_factor, "lr factor at the end of the run").at_least(0).at_most(1);
  }
};

class WsdScheduler : public attune::Scheduler {
 public:
  using Options = WsdOptions;
  WsdScheduler(const Options& options, const attune::SchedulerArgs& args)
      : Scheduler(args), options_(options), total_(args.total_ticks) {}

 protected:
  // The factor is a closed form of the tick: no state beyond last_epoch_.
  std::vector<double> get_lr() override {
    const double tick = static_cast<double>(last_epoch_);
    const double decay_start = static_cast<double>(total_) * (1.0 - options_.decay_fraction);
    double factor = 1.0;
    if (tick < static_cast<double>(options_.warmup_ticks)) {
      factor = (tick + 1) / static_cast<double>(options_.warmup_ticks + 1);
    } else if (tick >= decay_start && total_ > decay_start) {
      const double progress = std::min(1.0, (tick - decay_start) / (static_cast<double>(total_) - decay_start));
      factor = 1.0 - progress * (1.0 - options_.min_factor);
    }
    std::vector<double> lrs;
    for (double base : base_lrs_) lrs.push_back(base * factor);
    return lrs;
  }

 private:
  Options options_;
  int64_t total_;
};

ATTUNE_REGISTER_SCHEDULER("wsd", WsdScheduler, "warmup-stable-decay (example plugin)")
