#include "core/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>

#include "core/data/permutation.h"
#include "core/metrics/metric_goal.h"
#include "core/metrics/metric_names.h"
#include "core/system/blas_core.h"
#include "core/system/signal_name.h"
#include "core/tensorboard/event_writer.h"
#include "core/text/text_fields.h"
#include "core/train/autocast.h"
#include "core/train/checkpoint.h"
#include "core/train/evaluate.h"
#include "core/train/forward_pass.h"
#include "core/train/grad_norm.h"
#include "core/train/interrupt.h"
#include "core/train/loss_scaler.h"
#include "core/train/loss_window.h"
#include "core/train/progress.h"
#include "core/train/weight_ema.h"

namespace attune {

double MetricsRow::get(const std::string& name) const {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  runtime_error("no metric `{}` in this row", name);
}

namespace {

// summary.json's rows: epoch and step as integers.
nlohmann::json row_json(const MetricsRow& row) {
  nlohmann::json json;
  for (const auto& [key, value] : row.values) {
    if (key == metric::epoch || key == metric::step) {
      json[key] = static_cast<int64_t>(value);
    } else {
      json[key] = value;
    }
  }
  return json;
}

}  // namespace

void to_json(nlohmann::json& json, const NonfiniteStep& step) {
  json = {{"epoch", step.epoch}, {"step", step.step},         {"batch", step.batch},
          {"what", step.what},   {"examples", step.examples}, {"examples_more", step.examples_more}};
}

void from_json(const nlohmann::json& json, NonfiniteStep& step) {
  step.epoch = json.at("epoch").get<int64_t>();
  step.step = json.at("step").get<int64_t>();
  step.batch = json.at("batch").get<int64_t>();
  step.what = json.at("what").get<std::string>();
  step.examples = json.at("examples").get<std::vector<int64_t>>();
  step.examples_more = json.at("examples_more").get<bool>();
}

nlohmann::json RunSummary::to_json() const {
  nlohmann::json json;
  if (best) json["best"] = row_json(*best);
  if (last) json["final"] = row_json(*last);
  json["epochs"] = epochs;
  json["steps"] = steps;
  json["seconds"] = seconds;
  json["train_seconds"] = train_seconds;
  json["device"] = device;
  json["precision"] = precision;
  json["blas"] = blas;
  json["world_size"] = world_size;
  if (!backend.empty()) json["backend"] = backend;
  json["samples_per_second"] = samples_per_second;
  json["stopped_early"] = stopped_early;
  json["pruned"] = pruned;
  if (interrupted) {
    json["interrupted"] = {{"signal", interrupted->signal},
                           {"epoch", interrupted->epoch},
                           {"epoch_step", interrupted->epoch_step},
                           {"step", interrupted->step}};
  }
  json["nonfinite_steps"] = nonfinite_steps;
  if (loss_scale) json["loss_scale"] = {{"scale", loss_scale->scale}, {"skipped_steps", loss_scale->skipped_steps}};
  json["failed_nonfinite"] = failed_nonfinite;
  json["run_dir"] = run_dir;
  return json;
}

namespace {

// "train_loss 0.4123 val_loss 0.3977 val_accuracy 0.8211": the losses and
// the metrics of an epoch's row, for its progress line.
std::string evaluation_line(const MetricsRow& row) {
  std::string line;
  for (const auto& [name, value] : row.values) {
    if (name == metric::train_loss || starts_with(name, "val_")) {
      line += fmt::format("{}{} {:.4f}", line.empty() ? "" : " ", name, value);
    }
  }
  return line;
}

}  // namespace

struct Trainer::State {
  int64_t epoch = 0;  // completed epochs
  int64_t step = 0;   // optimizer steps so far
  std::vector<MetricsRow> history;
  std::optional<double> best_value;
  size_t best_row = 0;
  int64_t evaluations_without_improvement = 0;
  bool stopped_early = false;
  bool pruned = false;
  double train_seconds = 0.0;  // summed over sessions of a resumed run
  double total_seconds = 0.0;
  int64_t train_samples = 0;
  // An epoch stopped part-way (by SIGINT/SIGTERM, or checkpointed at an
  // evaluation of train.eval_every_steps): the steps it has done and its
  // examples, so that --resume continues it from the next step.
  int64_t epoch_step = 0;
  int64_t epoch_samples = 0;
  // The training loss since the last evaluation (metrics.csv's train_loss),
  // and since the last train.log_every_steps line.
  std::optional<LossWindow> window;
  std::optional<LossWindow> log_window;
  std::chrono::steady_clock::time_point log_start;
  int64_t log_samples = 0;
  double last_grad_norm = 0.0;
  // Where the last evaluation left train_seconds and train_samples: the
  // training rate since, for TensorBoard.
  double seconds_at_evaluation = 0.0;
  int64_t samples_at_evaluation = 0;
  // This session's start, and the run's total_seconds before it.
  std::chrono::steady_clock::time_point session_start;
  double seconds_before_session = 0.0;
  std::unique_ptr<tensorboard::EventWriter> events;
  int interrupted_by = 0;  // the signal, in this session
  // Steps whose loss or gradient was NaN or Inf: skipped (train.skip_nonfinite)
  // or, the first one otherwise, the step that stopped the run.
  std::vector<NonfiniteStep> nonfinite_steps;
  bool failed_nonfinite = false;
  // train.finite_check_every > 1: the steps applied since the last check,
  // each with its gradients' norm still on the device.
  struct UncheckedStep {
    int64_t step;   // of the run, 1-based
    int64_t batch;  // of the epoch, 0-based
    torch::Tensor grad_norm;
  };
  std::vector<UncheckedStep> unchecked;
  std::unique_ptr<Progress> progress;
  // train.save_top_k's checkpoints, best first: (value, epoch, step).
  struct Kept {
    double value;
    int64_t epoch;
    int64_t step;
  };
  std::vector<Kept> top;
  // train.ema's moving average of the weights; null when off.
  std::unique_ptr<WeightEma> ema;
  // precision: fp16's loss scaler (null otherwise) and the steps it skipped.
  std::unique_ptr<LossScaler> scaler;
  int64_t scaler_skipped_steps = 0;
  // train.callbacks, on the process that writes the run folder.
  std::vector<std::shared_ptr<Callback>> callbacks;
  template <class Hook>
  void call(Hook&& hook) const {
    for (const auto& callback : callbacks) hook(*callback);
  }
};

Trainer::Trainer(Experiment& experiment, RunDirectory run_directory)
    : experiment_(experiment), run_(std::move(run_directory)) {}

void Trainer::write_run_files() const {
  run_.write("config.yaml", to_yaml(experiment_.loaded.resolved));
  run_.write("labels.json", nlohmann::json(experiment_.data->label_names()).dump(2) + "\n");
  write_init_report(run_.file("init_report.csv"), experiment_.init_report);
}

RunSummary Trainer::fit(bool resume) {
  const auto& config = experiment_.config();
  // In a data-parallel job only rank 0 writes the run folder; every rank
  // reads the checkpoint to resume (the folder must be visible to all).
  const bool writes = is_main();
  if (writes) run_.create(resume);
  State state;
  if (config.train.ema.decay > 0) {
    std::vector<torch::Tensor> trainable;
    for (const auto& parameter : experiment_.model->parameters()) {
      if (parameter.requires_grad()) trainable.push_back(parameter);
    }
    state.ema = std::make_unique<WeightEma>(trainable, config.train.ema.decay, config.train.ema.warmup);
  }
  if (config.precision == Precision::fp16 && experiment_.device.is_cuda())
    state.scaler = std::make_unique<LossScaler>();
  state.window.emplace(experiment_.device);
  state.log_window.emplace(experiment_.device);
  if (resume) {
    restore_state(load_checkpoint(run_.last_checkpoint(), *experiment_.model, experiment_.optimizer.get(),
                                  /*restore_rng=*/true, state.ema ? &state.ema->average() : nullptr),
                  state);
  } else if (writes) {
    write_run_files();
  }
  state.progress = std::make_unique<Progress>(writes ? config.train.progress : ProgressStyle::none, experiment_.epochs,
                                              experiment_.steps_per_epoch);
  if (resume) {
    state.progress->message(fmt::format("resuming {} after epoch {} (step {})", run_.path(), state.epoch, state.step));
  }
  if (writes) {
    for (const auto& callback : config.train.callbacks) state.callbacks.push_back(callback.create({run_.path()}));
  }
  const TrainStart start_point{run_.path(), state.epoch, state.step, experiment_.epochs, experiment_.steps_per_epoch};
  state.call([&](Callback& c) { c.on_train_start(start_point); });
  state.session_start = state.log_start = std::chrono::steady_clock::now();
  state.seconds_before_session = state.total_seconds;
  state.seconds_at_evaluation = state.train_seconds;
  state.samples_at_evaluation = state.train_samples;
  std::optional<InterruptGuard> interrupts;
  if (handle_interrupts_ && !experiment_.distributed) interrupts.emplace();
  if (writes && config.train.tensorboard) {  // created after the guard: a sign that training started
    state.events = std::make_unique<tensorboard::EventWriter>(run_.path());
    if (!resume) {
      // Indented four spaces: a code block in the text plugin's Markdown.
      std::string block;
      for (const char c : to_yaml(experiment_.loaded.resolved))
        block += c == '\n' ? std::string("\n    ") : std::string(1, c);
      state.events->text("config", "    " + block, 0);
    }
  }
  while (state.epoch < experiment_.epochs && !state.stopped_early && !state.pruned &&
         (stop_after_epoch_ == 0 || state.epoch < stop_after_epoch_)) {
    const bool evaluate_now = train_epoch(state);
    if (state.interrupted_by != 0 || state.failed_nonfinite) {
      update_total_seconds(state);
      return stop_mid_epoch(state);
    }
    std::string line = fmt::format("step {}", state.step);
    if (evaluate_now) {
      line = evaluation(state);
    } else if (!state.stopped_early && !state.pruned) {
      // An epoch end between two evaluations (train.eval_every_steps): still
      // a checkpoint to resume from, holding the job's loss window.
      state.window->gather(experiment_.distributed.get(), rank());
      update_total_seconds(state);
      if (writes) {
        save_last(state);
        write_summary(state);
      }
    }
    state.progress->end_epoch(line);
    state.call([&](Callback& c) { c.on_epoch_end(state.epoch); });
    if (interrupt_requested() != 0 && state.epoch < experiment_.epochs && !state.stopped_early && !state.pruned) {
      // Asked to stop during the evaluation: the epoch's checkpoint is written.
      state.interrupted_by = interrupt_requested();
      return stop_mid_epoch(state);
    }
  }
  if (state.stopped_early) {
    state.progress->message(fmt::format("early stopping: {} did not improve for {} evaluations",
                                        config.train.early_stopping.metric, config.train.early_stopping.patience));
  }
  update_total_seconds(state);
  if (writes) write_summary(state);  // a run stopped between evaluations ends with its count of epochs and steps
  const RunSummary result = summary(state);
  state.call([&](Callback& c) { c.on_train_end(result.to_json().dump(2)); });
  return result;
}

void Trainer::update_total_seconds(State& state) const {
  state.total_seconds = state.seconds_before_session +
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - state.session_start).count();
}

std::string Trainer::evaluation(State& state) {
  const MetricsRow row = evaluate_window(state);
  const bool improved = track_best(state, row);
  state.call([&](Callback& c) { c.after_evaluation(row.values, improved); });
  if (on_epoch_end_ && on_epoch_end_(row, state.train_seconds)) state.pruned = true;
  update_total_seconds(state);
  if (state.events) {
    const double seconds = state.train_seconds - state.seconds_at_evaluation;
    const auto samples = static_cast<double>(state.train_samples - state.samples_at_evaluation);
    write_evaluation_events(*state.events, state, seconds > 0 ? samples / seconds : 0.0);
  }
  state.seconds_at_evaluation = state.train_seconds;
  state.samples_at_evaluation = state.train_samples;
  if (is_main()) {
    write_metrics(state);
    // best.pt first: if killed in between, last.pt still names the previous evaluation.
    if (improved) save_selected_weights(state, run_.best_checkpoint());
    keep_top_k(state, row);
    save_last(state);
    write_summary(state);
  }
  return evaluation_line(row) + (improved ? " (best)" : "");
}

void Trainer::write_evaluation_events(tensorboard::EventWriter& events, const State& state, double samples_per_second) {
  // The evaluation's metrics row (lr and lr_<group> included) at the global step.
  for (const auto& [name, value] : state.history.back().values) {
    if (name == metric::epoch || name == metric::step) continue;
    const auto underscore = name.find('_');
    const bool grouped = name.rfind("train_", 0) == 0 || name.rfind("val_", 0) == 0 || name.rfind("lr_", 0) == 0;
    events.scalar(grouped ? name.substr(0, underscore) + "/" + name.substr(underscore + 1) : name, value, state.step);
  }
  events.scalar("train/samples_per_second", samples_per_second, state.step);
  events.scalar(metric::epoch, static_cast<double>(state.epoch), state.step);
  if (experiment_.config().train.tensorboard_histograms) {
    for (const auto& p : experiment_.model->named_parameters()) {
      const auto values = p.value().detach().to(torch::kCPU, torch::kFloat).contiguous();
      events.histogram("weights/" + p.key(),
                       std::vector<float>(values.data_ptr<float>(), values.data_ptr<float>() + values.numel()),
                       state.step);
    }
  }
  events.flush();
}

RunSummary Trainer::stop_mid_epoch(State& state) {
  const bool writes = is_main();
  if (state.failed_nonfinite) {
    const auto& fault = state.nonfinite_steps.back();
    const bool have_checkpoint = std::filesystem::exists(run_.last_checkpoint());
    if (writes) write_summary(state);
    runtime_error(
        "epoch {} step {} (batch {} of the epoch, examples {}{}): the {} is not finite; stopped. The last good "
        "checkpoint is {}. Set train.skip_nonfinite: true to skip such steps, or lower optimizer.lr / set "
        "train.grad_clip_norm",
        fault.epoch, fault.step, fault.batch, nlohmann::json(fault.examples).dump(), fault.examples_more ? ", ..." : "",
        fault.what,
        have_checkpoint ? run_.last_checkpoint() + " (from before this epoch)" : "none (no epoch finished)");
  }
  if (writes) {
    // Mid-epoch: the step reached, the epoch's loss so far and the random state.
    if (state.epoch_step > 0) save_last(state);
    write_summary(state);
  }
  state.progress->notice(fmt::format("{}: stopped {} (step {}); checkpoint {}. Continue with: attune train --resume {}",
                                     signal_name(state.interrupted_by),
                                     state.epoch_step > 0
                                         ? fmt::format("in epoch {} after {} of {} batches", state.epoch + 1,
                                                       state.epoch_step, experiment_.steps_per_epoch)
                                         : fmt::format("after epoch {}", state.epoch),
                                     state.step, run_.last_checkpoint(), run_.path()));
  const RunSummary result = summary(state);
  state.call([&](Callback& c) { c.on_train_end(result.to_json().dump(2)); });
  return result;
}

bool Trainer::is_main() const {
  return !experiment_.distributed || experiment_.distributed->is_main();
}

/// The epoch being trained: its shuffle and its examples.
struct Trainer::Epoch {
  int64_t number = 0;          // from 1
  std::vector<int64_t> order;  // positions in the training split, shuffled
  int64_t samples = 0;         // examples this rank trained on, skipped steps' included
  int64_t samples_before = 0;  // of those, the ones of an earlier session (a resumed epoch)
  std::chrono::steady_clock::time_point start;
  // What train_seconds and train_samples already count of this epoch (an
  // evaluation part-way through counts the time and examples before it).
  std::chrono::steady_clock::time_point counted_until;
  int64_t samples_counted = 0;
  std::vector<torch::Tensor> parameters;
};

/// One optimizer step's examples: train.accumulate_steps micro-batches.
struct Trainer::StepBatch {
  int64_t number = 0;                               // in the epoch, from 0
  int64_t global_examples = 0;                      // in the step's global batch (all ranks', all micro-batches)
  bool some_rank_idle = false;                      // some rank has no example in this (last, short) step
  std::vector<std::vector<int64_t>> micro_batches;  // this rank's examples of each, as dataset indices
  /// This rank's examples of the whole step.
  std::vector<int64_t> indices() const {
    std::vector<int64_t> all;
    for (const auto& micro : micro_batches) all.insert(all.end(), micro.begin(), micro.end());
    return all;
  }
};

/// A step's loss: the mean over the global batch of this rank's examples'
/// losses (undefined when it had none, or when the step was skipped).
struct Trainer::StepLoss {
  torch::Tensor loss;
  int64_t examples = 0;
  double lr = 0.0;                                              // the first group's, as the optimizer step used it
  double grad_norm = std::numeric_limits<double>::quiet_NaN();  // before clipping; NaN when not taken
  torch::Tensor unchecked_grad_norm;  // train.finite_check_every > 1: grad_norm, not yet read from the device
};

// An epoch is a loop of steps, each in four parts: the rank's slice of the
// next global batch, forward + loss + backward (gradients summed over the
// ranks), the finiteness check with clipping, and the optimizer and scheduler
// steps; then the step is recorded. One process takes the same path as a
// data-parallel job of one rank.
bool Trainer::train_epoch(State& state) {
  const int64_t every = experiment_.config().train.eval_every_steps;
  Epoch epoch = begin_epoch(state);
  bool evaluate_at_end = every == 0;  // once an epoch, after it
  for (int64_t step = state.epoch_step; step < experiment_.steps_per_epoch; ++step) {
    const StepBatch batch = next_batch(epoch, step);
    StepLoss loss = forward_backward(batch, epoch.parameters, state.scaler ? state.scaler->scale() : 1.0F);
    if (!optimizer_step(state, epoch, batch, loss)) break;
    const bool run_ends = state.step >= experiment_.total_steps;  // train.max_steps may end it mid-epoch
    const bool evaluate_due = every > 0 && (state.step % every == 0 || run_ends);
    // Checked before anything reads or saves the weights: an evaluation, the
    // epoch's end, a log line (the norm it shows) or an interruption's checkpoint.
    const int64_t log_every = experiment_.config().train.log_every_steps;
    const bool check_now = evaluate_due || run_ends || step + 1 == experiment_.steps_per_epoch ||
                           (log_every > 0 && state.step % log_every == 0);
    if (!check_applied_steps(state, epoch, check_now)) break;
    record_step(state, epoch, batch, loss);
    if (evaluate_due) {
      if (run_ends || step + 1 == experiment_.steps_per_epoch) {
        evaluate_at_end = true;  // after end_epoch, as once an epoch
      } else if (evaluate_mid_epoch(state, epoch, step)) {
        break;  // stopped early or pruned
      }
    }
    if (run_ends) break;
    if (pause_on_interrupt(state, epoch, step)) break;
  }
  end_epoch(state, epoch);
  return evaluate_at_end && state.interrupted_by == 0 && !state.failed_nonfinite;
}

bool Trainer::evaluate_mid_epoch(State& state, Epoch& epoch, int64_t step) {
  // Its checkpoint continues this epoch from the next step, as an interruption's does.
  state.epoch_step = step + 1;
  state.epoch_samples = epoch.samples;
  count_training_time(state, epoch);
  const std::string line = evaluation(state);
  state.progress->message(fmt::format("epoch {} step {} {}", epoch.number, state.step, line));
  experiment_.model->train();
  epoch.counted_until = std::chrono::steady_clock::now();  // the evaluation is not training time
  return state.stopped_early || state.pruned;
}

void Trainer::count_training_time(State& state, Epoch& epoch) const {
  const auto now = std::chrono::steady_clock::now();
  state.train_seconds += std::chrono::duration<double>(now - epoch.counted_until).count();
  state.train_samples += epoch.samples - epoch.samples_counted;
  epoch.counted_until = now;
  epoch.samples_counted = epoch.samples;
}

Trainer::Epoch Trainer::begin_epoch(State& state) {
  const auto& config = experiment_.config();
  Epoch epoch;
  epoch.number = state.epoch + 1;
  const auto seed = static_cast<uint64_t>(config.seed);
  state.progress->start_epoch(epoch.number);
  state.call([&](Callback& c) { c.on_epoch_start(epoch.number); });
  // Dropout and shuffling depend on (seed, epoch) only: see the class comment.
  // Each rank draws its own dropout; rank 0 draws what a single process would.
  // An epoch resumed part-way goes on with the random state its checkpoint restored.
  if (state.epoch_step == 0) {
    const uint64_t dropout_seed = mix_seed(seed, static_cast<uint64_t>(epoch.number));
    torch::manual_seed(rank() == 0 ? dropout_seed : mix_seed(dropout_seed, 2000000 + static_cast<uint64_t>(rank())));
  }
  epoch.order = epoch_order(experiment_.train_data.size(), seed, epoch.number);
  experiment_.model->train();
  epoch.samples = epoch.samples_before = epoch.samples_counted = state.epoch_samples;
  epoch.start = epoch.counted_until = std::chrono::steady_clock::now();
  epoch.parameters = experiment_.model->parameters();
  return epoch;
}

Trainer::StepBatch Trainer::next_batch(const Epoch& epoch, int64_t step) const {
  // Every rank draws the same order; a step's global batch is the next
  // batch_size x accumulate_steps x ranks examples of it, in micro-batches of
  // batch_size x ranks, of each of which each rank takes its slice (the same
  // examples in each step as one process with the whole global batch).
  const auto& train = experiment_.config().train;
  const int64_t ranks = world_size();
  const int64_t micro = train.batch_size * ranks;
  const int64_t step_begin = step * micro * train.accumulate_steps;
  const int64_t step_end = std::min(step_begin + micro * train.accumulate_steps, experiment_.train_data.size());
  StepBatch batch;
  batch.number = step;
  batch.global_examples = step_end - step_begin;
  // The first micro-batch fills the ranks in order: the last rank idles only if it runs short.
  batch.some_rank_idle = batch.global_examples <= (ranks - 1) * train.batch_size;
  for (int64_t global_begin = step_begin; global_begin < step_end; global_begin += micro) {
    const int64_t global_end = std::min(global_begin + micro, step_end);
    const int64_t begin = std::min(global_begin + rank() * train.batch_size, global_end);
    const int64_t end = std::min(begin + train.batch_size, global_end);
    std::vector<int64_t> indices;
    indices.reserve(static_cast<size_t>(end - begin));
    for (int64_t i = begin; i < end; ++i) indices.push_back(experiment_.train_data.indices[epoch.order[i]]);
    batch.micro_batches.push_back(std::move(indices));
  }
  return batch;
}

Trainer::StepLoss Trainer::forward_backward(const StepBatch& batch, std::vector<torch::Tensor>& parameters,
                                            float loss_scale) {
  // Dropping the gradients (PyTorch's set_to_none) instead of zeroing them
  // saves a pass over every parameter, the whole embedding table included.
  for (auto& parameter : parameters) parameter.mutable_grad() = torch::Tensor();
  StepLoss loss;
  const double divisor = global_divisor(batch);
  for (const auto& indices : batch.micro_batches) {
    if (indices.empty()) continue;
    const ForwardPass pass = forward_pass(*experiment_.model, *experiment_.train_data.dataset, indices,
                                          experiment_.device, experiment_.config().precision);
    loss.examples += pass.batch.size();
    // Summed over this rank's slice and divided by the whole step's divisor
    // (its size, unless weighted): the micro-batches' gradients add up, and
    // the ranks' sum is then exactly the mean over the global batch, also
    // when the last batch splits unevenly (alone: the batch's mean).
    const torch::Tensor part = experiment_.scoring.loss->sum(pass.logits, pass.batch.labels) / divisor;
    // fp16: backward of the loss times the scale (GradScaler.scale), so that small gradients survive float16.
    if (loss_scale != 1.0F) {
      (part * loss_scale).backward();
    } else {
      part.backward();
    }
    loss.loss = loss.loss.defined() ? loss.loss + part.detach() : part.detach();
  }
  if (experiment_.distributed) all_reduce_gradients(parameters, batch.some_rank_idle);
  return loss;
}

double Trainer::global_divisor(const StepBatch& batch) const {
  const Loss& objective = *experiment_.scoring.loss;
  if (!objective.weighted()) return static_cast<double>(batch.global_examples);
  // Weighted by class: this rank's targets' weights, summed over the ranks.
  std::vector<int64_t> labels;
  for (const int64_t index : batch.indices()) labels.push_back(experiment_.train_data.dataset->label(index));
  const double own = labels.empty() ? 0.0 : objective.divisor(torch::tensor(labels, torch::kLong));
  if (!experiment_.distributed) return own;
  auto total = torch::full({}, own, torch::TensorOptions(torch::kDouble).device(experiment_.device));
  experiment_.distributed->all_reduce_sum({total});
  return total.item<double>();
}

std::optional<std::string> Trainer::clip_and_check(StepLoss& loss, std::vector<torch::Tensor>& parameters,
                                                   bool deferred) const {
  const double clip_norm = experiment_.config().train.grad_clip_norm;
  // The gradients' global norm (clipped to grad_clip_norm where set): one
  // number all ranks agree on, and NaN or Inf when the loss or any gradient is.
  const double max_norm = clip_norm > 0 ? clip_norm : std::numeric_limits<double>::infinity();
  const torch::Tensor norm_on_device = clip_grad_norm(parameters, max_norm);
  if (deferred) {
    loss.unchecked_grad_norm = norm_on_device;
    return std::nullopt;
  }
  const double norm = norm_on_device.item<double>();
  loss.grad_norm = norm;
  // On CPU the loss costs nothing to read; elsewhere the norm says enough.
  const bool loss_finite =
      !loss.loss.defined() || !experiment_.device.is_cpu() || std::isfinite(loss.loss.item<double>());
  if (!loss_finite) return "loss";
  if (!std::isfinite(norm)) return "gradient norm";
  return std::nullopt;
}

bool Trainer::optimizer_step(State& state, Epoch& epoch, const StepBatch& batch, StepLoss& loss) {
  // fp16: the gradients unscaled before clipping (GradScaler.unscale_); one
  // not finite skips the step and backs the scale off, and is no fault.
  bool overflow = false;
  if (state.scaler) {
    std::vector<torch::Tensor> gradients;
    for (const auto& parameter : epoch.parameters) {
      if (parameter.grad().defined()) gradients.push_back(parameter.grad());
    }
    overflow = state.scaler->unscale(gradients);
  }
  // fp16's scaler has read the gradients already; otherwise the check may wait (train.finite_check_every).
  const bool deferred = !state.scaler && experiment_.config().train.finite_check_every > 1;
  const auto nonfinite = overflow ? std::nullopt : clip_and_check(loss, epoch.parameters, deferred);
  if (overflow) {
    ++state.scaler_skipped_steps;
    for (auto& parameter : epoch.parameters) parameter.mutable_grad() = torch::Tensor();
    loss.loss = torch::Tensor();  // not in the epoch's loss, as a skipped non-finite step
  } else if (nonfinite) {
    const NonfiniteStep fault = nonfinite_step(epoch.number, state.step + 1, batch, *nonfinite);
    if (!experiment_.config().train.skip_nonfinite) {
      fail_nonfinite(state, fault);
      return false;
    }
    if (state.nonfinite_steps.size() < 100) state.nonfinite_steps.push_back(fault);
    state.progress->notice(
        fmt::format("epoch {} step {}: non-finite {}, step skipped", epoch.number, state.step + 1, fault.what));
    for (auto& parameter : epoch.parameters) parameter.mutable_grad() = torch::Tensor();
    loss.loss = torch::Tensor();  // not in the epoch's loss
  } else {
    experiment_.optimizer->step();
    if (state.ema) state.ema->update();
    if (deferred) state.unchecked.push_back({state.step + 1, batch.number, loss.unchecked_grad_norm});
  }
  if (state.scaler) state.scaler->update(overflow);
  loss.lr = experiment_.optimizer->param_groups().front().options().get_lr();
  experiment_.schedule->after_optimizer_step();
  ++state.step;
  return true;
}

void Trainer::record_step(State& state, Epoch& epoch, const StepBatch& batch, const StepLoss& loss) {
  // The loss is a mean over the global batch (this process's whole batch
  // when alone): times its size, the sum over this rank's examples.
  if (loss.loss.defined()) {
    state.window->add(loss.loss, batch.global_examples, loss.examples);
    state.log_window->add(loss.loss, batch.global_examples, loss.examples);
  }
  epoch.samples += loss.examples;
  state.log_samples += loss.examples;
  if (!loss.unchecked_grad_norm.defined()) state.last_grad_norm = loss.grad_norm;  // else set by the check
  const int64_t log_every = experiment_.config().train.log_every_steps;
  if (log_every > 0 && state.step % log_every == 0) log_steps(state);
  if (!state.callbacks.empty()) {
    const StepEnd end{epoch.number, state.step, batch.number + 1, loss.examples, loss.lr, loss.loss};
    state.call([&](Callback& c) { c.after_optimizer_step(end); });
  }
  // Rank 0's count times the ranks: the job's rate, near enough for a progress line.
  state.progress->update(
      batch.number + 1, (epoch.samples - epoch.samples_before) * world_size(), [&] { return state.window->mean(); },
      experiment_.optimizer->param_groups().front().options().get_lr());
}

NonfiniteStep Trainer::nonfinite_step(int64_t epoch, int64_t step, const StepBatch& batch, const std::string& what) {
  const std::vector<int64_t> indices = batch.indices();
  NonfiniteStep fault{epoch, step, batch.number + 1, what, {}, indices.size() > 8};
  fault.examples.assign(indices.begin(), indices.begin() + std::min<size_t>(indices.size(), 8));
  return fault;
}

void Trainer::fail_nonfinite(State& state, const NonfiniteStep& fault) {
  // The list keeps its first 99 entries, and the fault that stopped the run last.
  if (state.nonfinite_steps.size() < 100) {
    state.nonfinite_steps.push_back(fault);
  } else {
    state.nonfinite_steps.back() = fault;
  }
  state.failed_nonfinite = true;
}

bool Trainer::check_applied_steps(State& state, const Epoch& epoch, bool now) {
  const auto every = static_cast<size_t>(experiment_.config().train.finite_check_every);
  if (state.unchecked.empty() || (!now && state.unchecked.size() < every)) return true;
  // On the norms' device (a step without gradients has a zero norm on the CPU).
  const torch::Device device = state.unchecked.back().grad_norm.device();
  std::vector<torch::Tensor> norms;
  for (const auto& step : state.unchecked) norms.push_back(step.grad_norm.to(device, torch::kDouble));
  const torch::Tensor read = torch::stack(norms).cpu();  // the one wait for the device
  const auto values = read.accessor<double, 1>();
  for (size_t i = 0; i < state.unchecked.size(); ++i) {
    if (std::isfinite(values[static_cast<int64_t>(i)])) continue;
    // The first non-finite step, applied with those that followed it (all
    // of this epoch: its end is checked), its batch drawn again for the message.
    const auto& unchecked = state.unchecked[i];
    fail_nonfinite(state,
                   nonfinite_step(epoch.number, unchecked.step, next_batch(epoch, unchecked.batch), "gradient norm"));
    state.unchecked.clear();
    return false;
  }
  state.last_grad_norm = values[static_cast<int64_t>(state.unchecked.size()) - 1];
  state.unchecked.clear();
  return true;
}

bool Trainer::pause_on_interrupt(State& state, const Epoch& epoch, int64_t step) {
  // Between two steps of one process (a data-parallel job's launcher stops
  // all its ranks): the epoch's progress goes into the checkpoint.
  if (experiment_.distributed || step + 1 >= experiment_.steps_per_epoch || interrupt_requested() == 0) return false;
  if (!check_applied_steps(state, epoch, true)) return true;  // failed: no checkpoint
  state.interrupted_by = interrupt_requested();
  state.epoch_step = step + 1;
  state.epoch_samples = epoch.samples;
  return true;
}

void Trainer::log_steps(State& state) {
  // Every rank takes part in the mean; rank 0 writes it.
  const double loss = state.log_window->mean(experiment_.distributed.get());
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - state.log_start).count();
  const double samples = static_cast<double>(state.log_samples * world_size());
  state.log_window->clear();
  state.log_samples = 0;
  state.log_start = now;
  if (!state.events) return;
  auto& events = *state.events;
  events.scalar("train_step/loss", loss, state.step);
  const auto& groups = experiment_.optimizer->param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    events.scalar(g == 0 ? "train_step/lr" : "train_step/lr_" + experiment_.group_names[g],
                  groups[g].options().get_lr(), state.step);
  }
  events.scalar("train_step/grad_norm", state.last_grad_norm, state.step);
  events.scalar("train_step/samples_per_second", seconds > 0 ? samples / seconds : 0.0, state.step);
  if (state.scaler) events.scalar("train_step/loss_scale", state.scaler->scale(), state.step);
  events.flush();
}

void Trainer::end_epoch(State& state, Epoch& epoch) {
  count_training_time(state, epoch);
  if (state.interrupted_by != 0 || state.failed_nonfinite) return;
  state.epoch = epoch.number;
  state.epoch_step = 0;
  state.epoch_samples = 0;
}

MetricsRow Trainer::evaluate_window(State& state) {
  const auto& config = experiment_.config();
  // The epoch it falls in (the one in progress, part-way), the step, the
  // learning rates, and the training loss since the last evaluation.
  MetricsRow row;
  row.values.emplace_back(metric::epoch, static_cast<double>(state.epoch + (state.epoch_step > 0 ? 1 : 0)));
  row.values.emplace_back(metric::step, static_cast<double>(state.step));
  const auto& groups = experiment_.optimizer->param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    row.values.emplace_back(g == 0 ? metric::lr : metric::lr + "_" + experiment_.group_names[g],
                            groups[g].options().get_lr());
  }
  row.values.emplace_back(metric::train_loss, state.window->mean(experiment_.distributed.get()));
  state.window->clear();
  const EvalResult result =
      evaluate(*experiment_.model, experiment_.valid_data, experiment_.scoring, config.train.eval_batch_size,
               experiment_.device, experiment_.distributed.get(), config.precision);
  row.values.emplace_back(metric::val_loss, result.loss);
  for (const auto& value : result.metrics) row.values.push_back(value);
  if (state.ema) {
    // The same evaluation of the averaged weights, swapped in and back.
    state.ema->swap();
    const EvalResult averaged =
        evaluate(*experiment_.model, experiment_.valid_data, experiment_.scoring, config.train.eval_batch_size,
                 experiment_.device, experiment_.distributed.get(), config.precision);
    state.ema->swap();
    row.values.emplace_back(metric::val_ema_loss, averaged.loss);
    for (const auto& [column, value] : averaged.metrics) {
      const std::string type = column.substr(metric_column("").size());  // val_accuracy: accuracy
      row.values.emplace_back(ema_metric_column(type), value);
    }
  }
  experiment_.schedule->after_evaluation(row.get(config.train.early_stopping.metric));
  state.history.push_back(row);
  return row;
}

bool Trainer::track_best(State& state, const MetricsRow& row) {
  const auto& stopping = experiment_.config().train.early_stopping;
  const double value = row.get(stopping.metric);
  // NaN (an epoch whose every step was skipped) never improves on anything.
  const bool improved = !std::isnan(value) &&
                        (!state.best_value || improves(stopping.goal(), value, *state.best_value, stopping.min_delta));
  if (improved) {
    state.best_value = value;
    state.best_row = state.history.size() - 1;
    state.evaluations_without_improvement = 0;
  } else {
    ++state.evaluations_without_improvement;
    if (stopping.patience > 0 && state.evaluations_without_improvement >= stopping.patience) state.stopped_early = true;
  }
  return improved;
}

void Trainer::save_selected_weights(State& state, const std::string& path) {
  // Early stopping on a val_ema_ column keeps the average's weights.
  const bool average = state.ema && starts_with(experiment_.config().train.early_stopping.metric, metric::ema_prefix);
  if (average) state.ema->swap();
  save_checkpoint(path, *experiment_.model, nullptr, checkpoint_state(state));
  if (average) state.ema->swap();
}

void Trainer::save_last(const State& state) {
  save_checkpoint(run_.last_checkpoint(), *experiment_.model, experiment_.optimizer.get(), checkpoint_state(state),
                  state.ema ? state.ema->average() : std::vector<torch::Tensor>{});
}

void Trainer::keep_top_k(State& state, const MetricsRow& row) {
  const auto& train = experiment_.config().train;
  if (train.save_top_k == 1) return;  // best.pt is the one
  const double value = row.get(train.early_stopping.metric);
  if (std::isnan(value)) return;
  const MetricGoal goal = train.early_stopping.goal();
  // Best first; an equal value ranks after the ones kept before it.
  auto position = std::find_if(state.top.begin(), state.top.end(),
                               [&](const State::Kept& kept) { return improves(goal, value, kept.value); });
  const auto k = static_cast<size_t>(train.save_top_k);
  if (train.save_top_k > 0 && static_cast<size_t>(position - state.top.begin()) >= k) return;
  const auto epoch = static_cast<int64_t>(row.get(metric::epoch)), step = static_cast<int64_t>(row.get(metric::step));
  state.top.insert(position, {value, epoch, step});
  // The new file first, then the one it pushed out: a kill in between leaves one too many, never one too few.
  save_selected_weights(state, run_.top_checkpoint(epoch, step));
  if (train.save_top_k > 0 && state.top.size() > k) {
    std::filesystem::remove(run_.top_checkpoint(state.top.back().epoch, state.top.back().step));
    state.top.pop_back();
  }
}

void Trainer::write_metrics(const State& state) const {
  std::string text;
  const auto& columns = state.history.front().values;
  for (size_t c = 0; c < columns.size(); ++c) text += (c ? "," : "") + columns[c].first;
  text += "\n";
  for (const auto& row : state.history) {
    for (size_t c = 0; c < row.values.size(); ++c) {
      const double value = row.values[c].second;
      const bool integral = row.values[c].first == metric::epoch || row.values[c].first == metric::step;
      text += (c ? "," : "") + (integral ? fmt::format("{}", static_cast<int64_t>(value)) : fmt::format("{}", value));
    }
    text += "\n";
  }
  run_.write("metrics.csv", text);
}

void Trainer::all_reduce_gradients(const std::vector<torch::Tensor>& parameters, bool some_rank_idle) {
  std::vector<torch::Tensor> gradients;
  if (!some_rank_idle) {
    // Every rank ran the same model on examples, so the parameters without a
    // gradient (an unused branch) are the same on all: they stay without one,
    // as in one process, and no extra synchronisation is needed.
    for (const auto& parameter : parameters) {
      if (parameter.grad().defined()) gradients.push_back(parameter.grad());
    }
    experiment_.distributed->all_reduce_sum(gradients);
    return;
  }
  // A rank with no examples has no gradients: it adds zeros, and a count of
  // the ranks that had each gradient tells which parameters none used (once
  // an epoch, at its last step).
  std::vector<float> used(parameters.size());
  for (size_t i = 0; i < parameters.size(); ++i) {
    auto& grad = parameters[i].mutable_grad();
    used[i] = grad.defined() ? 1.0F : 0.0F;
    if (!grad.defined()) grad = torch::zeros_like(parameters[i]);
    gradients.push_back(grad);
  }
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(experiment_.device);
  auto used_tensor = torch::from_blob(used.data(), {static_cast<int64_t>(used.size())}, torch::kFloat)
                         .to(options, /*non_blocking=*/false, /*copy=*/true);
  gradients.push_back(used_tensor);
  experiment_.distributed->all_reduce_sum(gradients);
  const auto used_anywhere = used_tensor.cpu();
  const auto count = used_anywhere.accessor<float, 1>();
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (count[static_cast<int64_t>(i)] == 0.0F) parameters[i].mutable_grad() = torch::Tensor();
  }
}

RunSummary Trainer::summary(const State& state) const {
  RunSummary summary;
  if (!state.history.empty()) {
    summary.best = state.history[state.best_row];
    summary.last = state.history.back();
  }
  summary.epochs = state.epoch;
  summary.steps = state.step;
  summary.seconds = state.total_seconds;
  summary.train_seconds = state.train_seconds;
  summary.device = experiment_.device.str();
  const std::string blas_core = openblas_core();
  summary.blas = blas_core.empty() ? "not OpenBLAS" : "OpenBLAS " + blas_core;
  summary.world_size = world_size();
  if (experiment_.distributed) summary.backend = experiment_.distributed->backend_name();
  summary.precision = config::name_of(experiment_.config().precision);
  summary.samples_per_second =
      state.train_seconds > 0 ? static_cast<double>(state.train_samples) / state.train_seconds : 0.0;
  summary.stopped_early = state.stopped_early;
  summary.pruned = state.pruned;
  if (state.interrupted_by != 0) {
    summary.interrupted = Interruption{signal_name(state.interrupted_by), state.epoch + (state.epoch_step > 0),
                                       state.epoch_step, state.step};
  }
  summary.nonfinite_steps = state.nonfinite_steps;
  if (state.scaler) summary.loss_scale = LossScale{state.scaler->scale(), state.scaler_skipped_steps};
  summary.failed_nonfinite = state.failed_nonfinite;
  summary.run_dir = run_.path();
  return summary;
}

void Trainer::write_summary(const State& state) const {
  nlohmann::json json = summary(state).to_json();
  if (experiment_.config().train.save_top_k != 1) json["top_checkpoints"] = top_json(state);
  run_.write("summary.json", json.dump(2) + "\n");
}

nlohmann::json Trainer::top_json(const State& state) const {
  nlohmann::json top = nlohmann::json::array();
  for (const auto& kept : state.top) {
    top.push_back(
        {{"value", kept.value},
         {"epoch", kept.epoch},
         {"step", kept.step},
         {"file", std::filesystem::relative(run_.top_checkpoint(kept.epoch, kept.step), run_.path()).string()}});
  }
  return top;
}

nlohmann::json Trainer::checkpoint_state(const State& state) const {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& row : state.history) {
    nlohmann::json values = nlohmann::json::array();
    for (const auto& [key, value] : row.values) values.push_back({key, value});
    history.push_back(values);
  }
  return {{"epoch", state.epoch},
          {"step", state.step},
          {"history", history},
          {"best_value", state.best_value ? nlohmann::json(*state.best_value) : nlohmann::json()},
          {"best_row", state.best_row},
          {"evaluations_without_improvement", state.evaluations_without_improvement},
          {"stopped_early", state.stopped_early},
          {"pruned", state.pruned},
          {"train_seconds", state.train_seconds},
          {"total_seconds", state.total_seconds},
          {"train_samples", state.train_samples},
          {"epoch_step", state.epoch_step},
          {"window_loss_sum", state.window->sum()},
          {"window_loss_examples", state.window->examples()},
          {"epoch_samples", state.epoch_samples},
          {"nonfinite_steps", state.nonfinite_steps},
          {"top", top_json(state)},
          {"ema_updates", state.ema ? state.ema->updates() : int64_t{0}},
          {"loss_scaler", state.scaler ? state.scaler->state() : nlohmann::json()},
          {"scaler_skipped_steps", state.scaler_skipped_steps},
          {"world_size", world_size()},
          {"steps_per_epoch", experiment_.steps_per_epoch},
          {"scheduler", experiment_.schedule->state()}};
}

void Trainer::check_same_schedule(const nlohmann::json& json) const {
  // A resumed run keeps its global batch and its number of steps, or the
  // schedule (and what "epoch 3, step 40" means) would silently change.
  const int64_t ranks = json.value("world_size", int64_t{1});
  const int64_t batch = experiment_.config().train.batch_size;
  if (ranks != world_size()) {
    input_error(
        "{}: this run was trained by {} process(es) (global batch {} x {} = {}); resuming it with {} would change "
        "the global batch to {} and the schedule's length. Resume it with {}",
        run_.last_checkpoint(), ranks, batch, ranks, batch * ranks, world_size(), batch * world_size(),
        ranks == 1 ? fmt::format("`attune train --resume {}` (one process)", run_.path())
                   : fmt::format("`attune launch --nproc {} train --resume {}` (or torchrun with {} processes in all)",
                                 ranks, run_.path(), ranks));
  }
  const int64_t steps = json.value("steps_per_epoch", experiment_.steps_per_epoch);
  if (steps != experiment_.steps_per_epoch) {
    input_error(
        "{}: this run took {} steps per epoch, but its training data now gives {}: the data changed since it "
        "started ({}); resuming would stretch or shrink its schedule. Restore the data, or start a new run",
        run_.last_checkpoint(), steps, experiment_.steps_per_epoch,
        experiment_.config().data.options["train"].as<std::string>(""));
  }
}

int64_t Trainer::rank() const {
  return experiment_.distributed ? experiment_.distributed->rank() : 0;
}

int64_t Trainer::world_size() const {
  return experiment_.distributed ? experiment_.distributed->world_size() : 1;
}

void Trainer::restore_state(const nlohmann::json& json, State& state) {
  check_same_schedule(json);
  state.epoch = json.at("epoch").get<int64_t>();
  state.step = json.at("step").get<int64_t>();
  for (const auto& values : json.at("history")) {
    MetricsRow row;
    for (const auto& pair : values) {
      // JSON has no NaN: a train_loss of an epoch with every step skipped is null.
      const auto& value = pair.at(1);
      row.values.emplace_back(pair.at(0).get<std::string>(),
                              value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>());
    }
    state.history.push_back(row);
  }
  if (!json.at("best_value").is_null()) state.best_value = json.at("best_value").get<double>();
  state.best_row = json.at("best_row").get<size_t>();
  state.evaluations_without_improvement = json.at("evaluations_without_improvement").get<int64_t>();
  state.stopped_early = json.at("stopped_early").get<bool>();
  state.pruned = json.value("pruned", false);
  state.train_seconds = json.at("train_seconds").get<double>();
  state.total_seconds = json.at("total_seconds").get<double>();
  state.train_samples = json.at("train_samples").get<int64_t>();
  state.epoch_step = json.value("epoch_step", int64_t{0});
  state.epoch_samples = json.value("epoch_samples", int64_t{0});
  // Checkpoints from before train.eval_every_steps called the window the epoch's.
  state.window.emplace(experiment_.device, json.value("window_loss_sum", json.value("epoch_loss_sum", 0.0)),
                       json.value("window_loss_examples", json.value("epoch_loss_examples", state.epoch_samples)));
  state.nonfinite_steps = json.value("nonfinite_steps", std::vector<NonfiniteStep>{});
  if (state.ema) state.ema->set_updates(json.value("ema_updates", int64_t{0}));
  if (state.scaler && json.contains("loss_scaler") && !json.at("loss_scaler").is_null()) {
    state.scaler->load_state(json.at("loss_scaler"));
  }
  state.scaler_skipped_steps = json.value("scaler_skipped_steps", int64_t{0});
  for (const auto& kept : json.value("top", nlohmann::json::array())) {
    state.top.push_back(
        {kept.at("value").get<double>(), kept.at("epoch").get<int64_t>(), kept.at("step").get<int64_t>()});
  }
  experiment_.schedule->load_state(json.at("scheduler"));
}

}  // namespace attune
