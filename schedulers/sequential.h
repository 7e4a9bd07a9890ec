#pragma once

#include <memory>
#include <vector>

#include "schedulers/scheduler.h"

namespace attune {

struct SequentialOptions {
  std::vector<Component<SchedulerKind>> schedulers;
  std::vector<int64_t> milestones;
  static void declare(config::Schema<SequentialOptions>& s);
};

/// torch.optim.lr_scheduler.SequentialLR: scheduler i runs from milestone
/// i-1 on, restarted from its tick 0 there (PyTorch's `step(0)`).
class SequentialScheduler : public Scheduler {
 public:
  using Options = SequentialOptions;
  SequentialScheduler(const Options& options, const SchedulerArgs& args);
  /// From schedulers already built, in order (as PyTorch's constructor gets them).
  SequentialScheduler(std::vector<std::shared_ptr<Scheduler>> schedulers, std::vector<int64_t> milestones,
                      const SchedulerArgs& args);

  void initialize() override {}  // SequentialLR makes no initial step of its own
  void step(std::optional<int64_t> epoch = std::nullopt) override;
  nlohmann::json state() const override;
  void load_state(const nlohmann::json& state) override;

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }

 private:
  void start();

  std::vector<std::shared_ptr<Scheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

/// Python's bisect.bisect_right, probe for probe: PyTorch applies it to
/// milestones as given, sorted or not.
size_t bisect_right(const std::vector<int64_t>& values, int64_t x);

}  // namespace attune
