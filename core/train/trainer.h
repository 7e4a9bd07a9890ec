#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/train/experiment.h"
#include "core/train/run_directory.h"

namespace attune {
namespace tensorboard {
class EventWriter;
}

/// One row of metrics.csv: the columns in order and their values.
struct MetricsRow {
  std::vector<std::pair<std::string, double>> values;
  double get(const std::string& name) const;
};

/// The one training loop behind `attune train`, every sweep trial and every
/// cross-validation fold: epochs of shuffled batches (forward, cross-entropy,
/// backward, clipping, optimizer and scheduler steps), an evaluation per
/// epoch, metrics.csv, checkpoints last and best, early stopping, summary.json,
/// and resuming from checkpoints/last.pt.
///
/// Every epoch draws its shuffle and its dropout from (seed, epoch) alone, so
/// a run resumed after any epoch continues exactly as if never stopped.
/// SIGINT/SIGTERM stop it after the current step with a checkpoint that holds
/// the step and the random state, so a resumed run continues that exactly too.
/// A NaN or Inf loss or gradient stops the run naming the step, the batch and
/// the last good checkpoint, or skips the step (train.skip_nonfinite).
///
/// In a data-parallel job (Experiment::distributed) each rank trains on its
/// slice of every global batch, gradients are summed over the ranks before
/// the optimizer step, metrics cover all ranks' examples, and only rank 0
/// writes the run folder.
class Trainer {
 public:
  Trainer(Experiment& experiment, RunDirectory run_directory);

  /// Trains (or continues, with `resume`) to the end and returns summary.json.
  nlohmann::json fit(bool resume);

  /// Ends this session once `epoch` is done, leaving a run that `--resume`
  /// continues (as an interruption would).
  void stop_after_epoch(int64_t epoch) { stop_after_epoch_ = epoch; }

  /// Called after every evaluation with its metrics row; returning true stops
  /// the run there as pruned (summary.json says so). Sweeps prune with it.
  using EpochCallback = std::function<bool(const MetricsRow& row)>;

  /// Makes SIGINT/SIGTERM stop the run after the current step with a
  /// checkpoint (see the class comment); `attune train` asks for it, a sweep's
  /// trials do not (their workers are stopped by the sweep). Not in a
  /// data-parallel job, whose launcher stops all ranks.
  void handle_interrupts(bool on) { handle_interrupts_ = on; }
  void on_epoch_end(EpochCallback callback) { on_epoch_end_ = std::move(callback); }

 private:
  struct State;
  void train_epoch(State& state);
  MetricsRow evaluate_epoch(State& state);
  bool track_best(State& state, const MetricsRow& row);
  void write_metrics(const State& state) const;
  nlohmann::json summary(const State& state) const;
  nlohmann::json to_json(const State& state) const;
  void from_json(const nlohmann::json& json, State& state);
  /// InputError when a checkpoint's run took another global batch or another
  /// number of steps per epoch than this session would.
  void check_same_schedule(const nlohmann::json& json) const;
  int64_t world_size() const;
  void write_run_files() const;
  bool is_main() const;
  nlohmann::json stop_mid_epoch(State& state);
  void write_epoch_events(tensorboard::EventWriter& events, const State& state, double samples_per_second);
  void all_reduce_gradients(const std::vector<torch::Tensor>& parameters, bool some_rank_idle);

  Experiment& e_;
  RunDirectory run_;
  int64_t stop_after_epoch_ = 0;
  EpochCallback on_epoch_end_;
  bool handle_interrupts_ = false;
};

}  // namespace attune
