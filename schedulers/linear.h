#pragma once

#include "schedulers/scheduler.h"

namespace attune {

struct LinearOptions {
  double start_factor = 1.0 / 3;
  double end_factor = 1.0;
  int64_t total_iters = 5;
  static void declare(config::Schema<LinearOptions>& s);
};

/// torch.optim.lr_scheduler.LinearLR: the lr factor moves linearly from
/// start_factor to end_factor over total_iters ticks. Also the warmup that
/// `warmup_steps` puts in front of any scheduler.
class LinearScheduler : public Scheduler {
 public:
  using Options = LinearOptions;
  LinearScheduler(const Options& options, const SchedulerArgs& args);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;

 private:
  Options options_;
};

}  // namespace attune
