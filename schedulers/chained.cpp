// `chained`: torch.optim.lr_scheduler.ChainedScheduler: several schedulers
// stepped together, their factors compounding.
#include "schedulers/scheduler.h"

namespace attune {
namespace {

struct ChainedOptions {
  std::vector<Component<SchedulerKind>> schedulers;
  static void declare(config::Schema<ChainedOptions>& s) {
    s.field("schedulers", &ChainedOptions::schedulers, "schedulers stepped together, in order").required();
    s.check("schedulers", [](const ChainedOptions& o) {
      return o.schedulers.empty() ? std::string("expected at least one scheduler") : std::string();
    });
  }
};

}  // namespace

class ChainedScheduler : public Scheduler {
 public:
  using Options = ChainedOptions;
  ChainedScheduler(const Options& options, const SchedulerArgs& args) : Scheduler(args) {
    for (const auto& component : options.schedulers) schedulers_.push_back(make_scheduler(component, args));
    refuse_metric_driven(schedulers_, "chained");
    last_lrs_ = group_lrs();
  }

  void initialize() override {}  // ChainedScheduler makes no step of its own
  void step(std::optional<int64_t> = std::nullopt) override {
    for (auto& scheduler : schedulers_) scheduler->step();
    ++last_epoch_;
    last_lrs_ = group_lrs();
  }
  nlohmann::json state() const override {
    nlohmann::json state = Scheduler::state();
    for (const auto& scheduler : schedulers_) state["schedulers"].push_back(scheduler->state());
    return state;
  }
  void load_state(const nlohmann::json& state) override {
    Scheduler::load_state(state);
    for (size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state(state.at("schedulers").at(i));
  }

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }

 private:
  std::vector<std::shared_ptr<Scheduler>> schedulers_;
};

}  // namespace attune

ATTUNE_REGISTER_SCHEDULER("chained", attune::ChainedScheduler,
                          "ChainedScheduler: several schedulers stepped together, factors compounding")
