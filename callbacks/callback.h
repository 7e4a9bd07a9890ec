#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/registry/component.h"
#include "core/registry/registry.h"

namespace attune {

/// Where a run starts (or resumes): what on_train_start sees.
struct TrainStart {
  std::string run_dir;
  int64_t epoch = 0;  // epochs already done (a resumed run's)
  int64_t step = 0;   // optimizer steps already done
  int64_t epochs = 0;
  int64_t steps_per_epoch = 0;
};

/// One optimizer step, as after_optimizer_step sees it.
struct StepEnd {
  int64_t epoch = 0;     // from 1
  int64_t step = 0;      // the run's optimizer steps, this one included
  int64_t batch = 0;     // the step's number in its epoch, from 1
  int64_t examples = 0;  // this process's examples in the step
  double lr = 0.0;       // the first param group's, as the step used it
  /// The step's mean loss over its global batch (this process's part in a
  /// data-parallel job), a 0-dim tensor on the device; undefined when the
  /// step was skipped as non-finite. Reading it (`.item<double>()`) waits
  /// for the device: a callback that does not need it should not.
  torch::Tensor loss;
};

/// An evaluation's row of metrics.csv: (column, value) in order.
using MetricValues = std::vector<std::pair<std::string, double>>;

/// C++ hooks into the training loop (`train.callbacks`), as Lightning's
/// Callback: each is called on the process that writes the run folder (rank
/// 0 of a data-parallel job), in the order the list gives. The numbers are
/// read-only; a callback that throws stops the run with its message.
class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_start(const TrainStart&) {}
  virtual void on_epoch_start(int64_t /*epoch*/) {}
  virtual void after_optimizer_step(const StepEnd&) {}
  /// After each evaluation, with its row; `improved` when it became best.pt.
  virtual void after_evaluation(const MetricValues& /*row*/, bool /*improved*/) {}
  virtual void on_epoch_end(int64_t /*epoch*/) {}
  /// When the session ends, with summary.json's text (also when stopped early,
  /// pruned or interrupted; not when it fails).
  virtual void on_train_end(const std::string& /*summary_json*/) {}
};

/// What a callback factory gets besides its options.
struct CallbackArgs {
  std::string run_dir;
};

/// Registry traits for callbacks (`attune list callbacks`).
struct CallbackKind {
  using Base = Callback;
  using Args = CallbackArgs;
  static constexpr const char* kName = "callback";
  static constexpr const char* kPlural = "callbacks";
};
template <>
Registry<CallbackKind>& registry<CallbackKind>();

}  // namespace attune

#define ATTUNE_REGISTER_CALLBACK(NAME, CLASS, HELP) ATTUNE_REGISTER(::attune::CallbackKind, NAME, CLASS, HELP)
