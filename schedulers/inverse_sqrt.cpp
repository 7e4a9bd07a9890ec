// `inverse_sqrt`: linear warmup, then decay with the inverse square root of
// the tick, as HuggingFace's get_inverse_sqrt_schedule and fairseq's
// inverse_square_root define it (Vaswani et al. 2017's "Noam" schedule shape).
#include <cmath>

#include "schedulers/scheduler.h"

namespace attune {
namespace {

struct InverseSqrtOptions {
  int64_t num_warmup_steps = 0;
  int64_t timescale = 0;
  static void declare(config::Schema<InverseSqrtOptions>& s) {
    s.field("num_warmup_steps", &InverseSqrtOptions::num_warmup_steps, "ticks of linear warmup from 0").at_least(0);
    s.field("timescale", &InverseSqrtOptions::timescale,
            "decay timescale; 0 = num_warmup_steps, or 10000 without warmup (HuggingFace's default)")
        .at_least(0);
  }
};

class InverseSqrtScheduler : public Scheduler {
 public:
  using Options = InverseSqrtOptions;
  InverseSqrtScheduler(const Options& options, const SchedulerArgs& args)
      : Scheduler(args),
        warmup_(options.num_warmup_steps),
        timescale_(options.timescale > 0 ? options.timescale
                                         : (options.num_warmup_steps > 0 ? options.num_warmup_steps : 10000)) {}

 protected:
  // LambdaLR: base_lr times HuggingFace's lr_lambda(last_epoch).
  std::vector<double> get_lr() override {
    const double factor = lr_lambda(last_epoch_);
    std::vector<double> lrs;
    for (double base : base_lrs_) lrs.push_back(base * factor);
    return lrs;
  }

 private:
  double lr_lambda(int64_t step) const {
    if (step < warmup_) return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup_));
    const int64_t shift = timescale_ - warmup_;
    return 1.0 / std::sqrt(static_cast<double>(step + shift) / static_cast<double>(timescale_));
  }

  int64_t warmup_;
  int64_t timescale_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("inverse_sqrt", attune::InverseSqrtScheduler,
                          "linear warmup, then lr ~ 1/sqrt(tick) (HuggingFace, fairseq)")
