// A callback plugin for the tests: ends a fresh session at once (no
// checkpoint, no summary: as SIGKILL would) when step `step` is done. A
// resumed session runs on, so that a test can kill a run and resume it.
#include <cstdlib>

#include "callbacks/callback.h"

namespace {

struct KillOptions {
  int64_t step = 0;
  static void declare(attune::config::Schema<KillOptions>& s) {
    s.field("step", &KillOptions::step, "the step after which a fresh session dies").required();
  }
};

class KillCallback : public attune::Callback {
 public:
  using Options = KillOptions;
  KillCallback(const Options& options, const attune::CallbackArgs&) : step_(options.step) {}
  void on_train_start(const attune::TrainStart& start) override { fresh_ = start.step == 0; }
  void after_optimizer_step(const attune::StepEnd& step) override {
    if (fresh_ && step.step == step_) std::_Exit(137);
  }

 private:
  int64_t step_;
  bool fresh_ = false;
};

}  // namespace

ATTUNE_REGISTER_CALLBACK("test_kill", KillCallback, "ends a fresh session abruptly after a step (test plugin)")
