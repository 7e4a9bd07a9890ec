#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/experiment/experiment.h"
#include "core/io/run_directory.h"

namespace attune {
namespace tensorboard {
class EventWriter;
}

/// One row of metrics.csv: the columns in order and their values.
struct MetricsRow {
  std::vector<std::pair<std::string, double>> values;
  double get(const std::string& name) const;
};

/// A step whose loss or gradient norm was NaN or Inf.
struct NonfiniteStep {
  int64_t epoch = 0;
  int64_t step = 0;               // the run's optimizer step, this one included
  int64_t batch = 0;              // the batch's number in its epoch, from 1
  std::string what;               // "loss" or "gradient norm"
  std::vector<int64_t> examples;  // its first examples (at most 8)
  bool examples_more = false;     // it had more than those
};
void to_json(nlohmann::json& json, const NonfiniteStep& step);
void from_json(const nlohmann::json& json, NonfiniteStep& step);

/// Where a session stopped by SIGINT/SIGTERM left its run.
struct Interruption {
  std::string signal;
  int64_t epoch = 0;       // the epoch it stopped in (or after, when epoch_step is 0)
  int64_t epoch_step = 0;  // the steps of that epoch done
  int64_t step = 0;        // the run's optimizer steps done
};

/// precision: fp16's loss scaler at the end: its scale and the steps it skipped.
struct LossScale {
  double scale = 0.0;
  int64_t skipped_steps = 0;
};

/// What a training session reports when it ends: summary.json, typed.
struct RunSummary {
  std::optional<MetricsRow> best;  // the best evaluation (train.early_stopping's metric); none before the first
  std::optional<MetricsRow> last;  // the last evaluation ("final" in summary.json)
  int64_t epochs = 0;              // completed epochs
  int64_t steps = 0;               // optimizer steps
  double seconds = 0.0;            // wall time, summed over the sessions of a resumed run
  double train_seconds = 0.0;      // of it, training steps (the rest: evaluations, checkpoints)
  std::string device;
  std::string precision;  // fp32, bf16 or fp16
  std::string blas;       // "OpenBLAS <kernels>" or "not OpenBLAS"
  int64_t world_size = 1;
  std::string backend;  // the c10d backend of a data-parallel run (gloo or nccl); empty alone
  double samples_per_second = 0.0;
  bool stopped_early = false;
  bool pruned = false;
  std::optional<Interruption> interrupted;
  std::optional<LossScale> loss_scale;         // fp16 only
  std::vector<NonfiniteStep> nonfinite_steps;  // skipped, or (the last one) the one that stopped the run
  bool failed_nonfinite = false;
  std::string run_dir;

  /// summary.json's document.
  nlohmann::json to_json() const;
};

/// The one training loop behind `attune train`, every sweep trial and every
/// cross-validation fold: epochs of shuffled batches (forward, train.loss,
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

  /// Trains (or continues, with `resume`) to the end and returns what
  /// summary.json says.
  RunSummary fit(bool resume);

  /// Ends this session once `epoch` is done, leaving a run that `--resume`
  /// continues (as an interruption would).
  void stop_after_epoch(int64_t epoch) { stop_after_epoch_ = epoch; }

  /// Called after every evaluation with its metrics row and the seconds of
  /// training steps so far (over every session of a resumed run); returning
  /// true stops the run there as pruned (summary.json says so). Sweeps prune
  /// with it.
  using EpochCallback = std::function<bool(const MetricsRow& row, double train_seconds)>;

  /// Makes SIGINT/SIGTERM stop the run after the current step with a
  /// checkpoint (see the class comment); `attune train` asks for it, a sweep's
  /// trials do not (their workers are stopped by the sweep). Not in a
  /// data-parallel job, whose launcher stops all ranks.
  void handle_interrupts(bool on) { handle_interrupts_ = on; }
  void on_epoch_end(EpochCallback callback) { on_epoch_end_ = std::move(callback); }

 private:
  struct State;
  struct Epoch;
  struct StepBatch;
  struct StepLoss;

  // One epoch, in the order its parts run (see train_epoch). Returns
  // whether an evaluation is due at its end.
  bool train_epoch(State& state);
  Epoch begin_epoch(State& state);
  StepBatch next_batch(const Epoch& epoch, int64_t step) const;
  /// `loss_scale`: fp16's scale, by which the gradients come out multiplied.
  StepLoss forward_backward(const StepBatch& batch, std::vector<torch::Tensor>& parameters, float loss_scale);
  /// What a step's summed loss is divided by: the global batch's size, or
  /// for a weighted loss the sum of its targets' weights over all ranks.
  double global_divisor(const StepBatch& batch) const;
  /// The gradients' norm (into `loss`), clipped; what was not finite, if
  /// anything. `deferred`: the norm stays on the device, unchecked.
  std::optional<std::string> clip_and_check(StepLoss& loss, std::vector<torch::Tensor>& parameters,
                                            bool deferred) const;
  /// train.finite_check_every > 1: reads the norms of the steps applied
  /// since the last check (one wait for the device) once there are that many,
  /// or whenever `now`; false, the run failed, where one was not finite.
  bool check_applied_steps(State& state, const Epoch& epoch, bool now);
  /// A non-finite step's record: where, what, and its first examples.
  static NonfiniteStep nonfinite_step(int64_t epoch, int64_t step, const StepBatch& batch, const std::string& what);
  /// Stops the run at `fault`.
  static void fail_nonfinite(State& state, const NonfiniteStep& fault);
  bool optimizer_step(State& state, Epoch& epoch, const StepBatch& batch, StepLoss& loss);
  void record_step(State& state, Epoch& epoch, const StepBatch& batch, const StepLoss& loss);
  bool pause_on_interrupt(State& state, const Epoch& epoch, int64_t step);
  void end_epoch(State& state, Epoch& epoch);
  /// Adds the epoch's time and examples since they were last counted to the run's.
  void count_training_time(State& state, Epoch& epoch) const;
  /// train.eval_every_steps: an evaluation after `step` of the epoch, with a
  /// checkpoint that continues the epoch; true when it stopped the run.
  bool evaluate_mid_epoch(State& state, Epoch& epoch, int64_t step);
  /// train.log_every_steps: the TensorBoard scalars of the steps since the last.
  void log_steps(State& state);

  /// An evaluation and all that follows it: its metrics row, best.pt and
  /// save_top_k, callbacks and pruning, TensorBoard, metrics.csv, last.pt and
  /// summary.json. Returns its progress line.
  std::string evaluation(State& state);
  /// The row of an evaluation now: the training loss since the last one, and
  /// the validation split scored (added to the history).
  MetricsRow evaluate_window(State& state);
  void update_total_seconds(State& state) const;
  bool track_best(State& state, const MetricsRow& row);
  void write_metrics(const State& state) const;
  /// train.save_top_k: keeps this evaluation's checkpoint among the k best.
  void keep_top_k(State& state, const MetricsRow& row);
  /// A checkpoint of the weights best.pt and save_top_k keep: train.ema's
  /// average when early stopping watches a val_ema_ column, else the model's.
  void save_selected_weights(State& state, const std::string& path);
  /// checkpoints/last.pt: the model, the optimizer, train.ema's average and the state.
  void save_last(const State& state);
  /// The kept checkpoints, best first: value, epoch, step and file.
  nlohmann::json top_json(const State& state) const;
  RunSummary summary(const State& state) const;
  /// The run's state as a checkpoint keeps it, and back.
  nlohmann::json checkpoint_state(const State& state) const;
  void restore_state(const nlohmann::json& json, State& state);
  /// InputError when a checkpoint's run took another global batch or another
  /// number of steps per epoch than this session would.
  void check_same_schedule(const nlohmann::json& json) const;
  int64_t world_size() const;
  void write_run_files() const;
  bool is_main() const;
  RunSummary stop_mid_epoch(State& state);
  void write_summary(const State& state) const;
  void write_evaluation_events(tensorboard::EventWriter& events, const State& state, double samples_per_second);
  void all_reduce_gradients(const std::vector<torch::Tensor>& parameters, bool some_rank_idle);

  int64_t rank() const;

  Experiment& experiment_;
  RunDirectory run_;
  int64_t stop_after_epoch_ = 0;
  EpochCallback on_epoch_end_;
  bool handle_interrupts_ = false;
};

}  // namespace attune
