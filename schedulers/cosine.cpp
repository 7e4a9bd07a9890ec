// `cosine`: torch.optim.lr_scheduler.CosineAnnealingLR (SGDR without restarts,
// Loshchilov & Hutter 2017), recursive form as PyTorch computes it.
#include "schedulers/scheduler.h"

#include <cmath>

namespace attune {
namespace {

struct CosineOptions {
  int64_t t_max = 0;
  double eta_min = 0.0;
  static void declare(config::Schema<CosineOptions>& s) {
    s.field("t_max", &CosineOptions::t_max,
            "ticks from the base lr down to eta_min; 0 = the rest of the run after warmup")
        .at_least(0);
    s.field("eta_min", &CosineOptions::eta_min, "lowest lr").at_least(0);
  }
};

class CosineScheduler : public Scheduler {
 public:
  using Options = CosineOptions;
  CosineScheduler(const Options& options, const SchedulerArgs& args)
      : Scheduler(args),
        t_max_(static_cast<double>(options.t_max > 0 ? options.t_max : std::max<int64_t>(args.total_ticks, 1))),
        eta_min_(options.eta_min) {}

 protected:
  std::vector<double> get_lr() override {
    std::vector<double> lrs = group_lrs();
    const double epoch = static_cast<double>(last_epoch_);
    const double pi = M_PI;
    if (last_epoch_ == 0) return lrs;
    if (step_count_ == 1 && last_epoch_ > 0) {
      for (size_t i = 0; i < lrs.size(); ++i) {
        lrs[i] = eta_min_ + (base_lrs_[i] - eta_min_) * (1 + std::cos(epoch * pi / t_max_)) / 2;
      }
      return lrs;
    }
    const auto t_max = static_cast<int64_t>(t_max_);
    if ((last_epoch_ - 1 - t_max) % (2 * t_max) == 0) {
      for (size_t i = 0; i < lrs.size(); ++i) {
        lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(pi / t_max_)) / 2;
      }
      return lrs;
    }
    for (double& lr : lrs) {
      lr = (1 + std::cos(pi * epoch / t_max_)) / (1 + std::cos(pi * (epoch - 1) / t_max_)) * (lr - eta_min_) + eta_min_;
    }
    return lrs;
  }

  std::optional<std::vector<double>> closed_form_lr() override {
    std::vector<double> lrs;
    for (double base : base_lrs_) {
      lrs.push_back(eta_min_ +
                    (base - eta_min_) * (1 + std::cos(M_PI * static_cast<double>(last_epoch_) / t_max_)) / 2);
    }
    return lrs;
  }

 private:
  double t_max_;
  double eta_min_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("cosine", attune::CosineScheduler,
                          "CosineAnnealingLR: half a cosine from the base lr to eta_min over t_max ticks")
