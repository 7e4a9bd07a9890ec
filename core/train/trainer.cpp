#include "core/train/trainer.h"

#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>

#include "core/data/permutation.h"
#include "core/metrics/metric_goal.h"
#include "core/system/blas_core.h"
#include "core/tensorboard/event_writer.h"
#include "core/train/autocast.h"
#include "core/train/checkpoint.h"
#include "core/train/evaluate.h"
#include "core/train/interrupt.h"
#include "core/train/progress.h"

namespace attune {

double MetricsRow::get(const std::string& name) const {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  runtime_error("no metric `{}` in this row", name);
}

namespace {

// The mean loss over the examples whose steps counted; NaN when every step of
// the epoch was skipped as non-finite (there is no loss to report, and 0 would
// read as a perfect fit).
double mean_loss(double sum, int64_t examples) {
  return examples > 0 ? sum / static_cast<double>(examples) : std::numeric_limits<double>::quiet_NaN();
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
  // An epoch stopped part-way by SIGINT/SIGTERM: the steps it has done and
  // its loss so far, so that --resume continues it from the next step.
  int64_t epoch_step = 0;
  double epoch_loss_sum = 0.0;
  int64_t epoch_samples = 0;
  int64_t epoch_loss_examples = 0;  // the examples in epoch_loss_sum: skipped steps' are not
  int interrupted_by = 0;           // the signal, in this session
  // Steps whose loss or gradient was NaN or Inf: skipped (train.skip_nonfinite)
  // or, the first one otherwise, the step that stopped the run.
  nlohmann::json nonfinite_steps = nlohmann::json::array();
  bool failed_nonfinite = false;
  std::unique_ptr<Progress> progress;
};

Trainer::Trainer(Experiment& experiment, RunDirectory run_directory) : e_(experiment), run_(std::move(run_directory)) {}

void Trainer::write_run_files() const {
  run_.write("config.yaml", to_yaml(e_.loaded.resolved));
  run_.write("labels.json", nlohmann::json(e_.data->label_names()).dump(2) + "\n");
  write_init_report(run_.file("init_report.csv"), e_.init_report);
}

nlohmann::json Trainer::fit(bool resume) {
  const auto& config = e_.config();
  // In a data-parallel job only rank 0 writes the run folder; every rank
  // reads the checkpoint to resume (the folder must be visible to all).
  const bool writes = is_main();
  if (writes) run_.create(resume);
  State state;
  if (resume) {
    from_json(load_checkpoint(run_.last_checkpoint(), *e_.model, e_.optimizer.get()), state);
  } else if (writes) {
    write_run_files();
  }
  state.progress =
      std::make_unique<Progress>(writes ? Progress::parse_style(config.train.progress) : Progress::Style::none,
                                 config.train.epochs, e_.steps_per_epoch);
  if (resume) {
    state.progress->message(fmt::format("resuming {} after epoch {} (step {})", run_.path(), state.epoch, state.step));
  }
  const auto start = std::chrono::steady_clock::now();
  const double seconds_before = state.total_seconds;
  std::optional<InterruptGuard> interrupts;
  if (handle_interrupts_ && !e_.distributed) interrupts.emplace();
  std::unique_ptr<tensorboard::EventWriter> events;  // created after the guard: a sign that training started
  if (writes && config.train.tensorboard) {
    events = std::make_unique<tensorboard::EventWriter>(run_.path());
    if (!resume) {
      // Indented four spaces: a code block in the text plugin's Markdown.
      std::string block;
      for (const char c : to_yaml(e_.loaded.resolved)) block += c == '\n' ? std::string("\n    ") : std::string(1, c);
      events->text("config", "    " + block, 0);
    }
  }
  while (state.epoch < config.train.epochs && !state.stopped_early && !state.pruned &&
         (stop_after_epoch_ == 0 || state.epoch < stop_after_epoch_)) {
    const double seconds_before_epoch = state.train_seconds;
    const int64_t samples_before_epoch = state.train_samples;
    train_epoch(state);
    if (state.interrupted_by != 0 || state.failed_nonfinite) {
      state.total_seconds =
          seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return stop_mid_epoch(state);
    }
    const MetricsRow row = evaluate_epoch(state);
    const bool improved = track_best(state, row);
    if (on_epoch_end_ && on_epoch_end_(row)) state.pruned = true;
    state.total_seconds =
        seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (events) {
      const double seconds = state.train_seconds - seconds_before_epoch;
      write_epoch_events(*events, state, seconds > 0 ? (state.train_samples - samples_before_epoch) / seconds : 0.0);
    }
    if (writes) {
      write_metrics(state);
      // best.pt first: if killed in between, last.pt still names the previous epoch.
      if (improved) save_checkpoint(run_.best_checkpoint(), *e_.model, nullptr, to_json(state));
      save_checkpoint(run_.last_checkpoint(), *e_.model, e_.optimizer.get(), to_json(state));
      run_.write("summary.json", summary(state).dump(2) + "\n");
    }
    state.progress->end_epoch(fmt::format("train_loss {:.4f} val_loss {:.4f} val_accuracy {:.4f}{}",
                                          row.get("train_loss"), row.get("val_loss"), row.get("val_accuracy"),
                                          improved ? " (best)" : ""));
    if (interrupt_requested() != 0 && state.epoch < config.train.epochs && !state.stopped_early && !state.pruned) {
      // Asked to stop during the evaluation: the epoch's checkpoint is written.
      state.interrupted_by = interrupt_requested();
      return stop_mid_epoch(state);
    }
  }
  if (state.stopped_early) {
    state.progress->message(fmt::format("early stopping: {} did not improve for {} evaluations",
                                        config.train.early_stopping.metric, config.train.early_stopping.patience));
  }
  return summary(state);
}

void Trainer::write_epoch_events(tensorboard::EventWriter& events, const State& state, double samples_per_second) {
  // The epoch's metrics row (lr and lr_<group> included) at the global step.
  for (const auto& [name, value] : state.history.back().values) {
    if (name == "epoch" || name == "step") continue;
    const auto underscore = name.find('_');
    const bool grouped = name.rfind("train_", 0) == 0 || name.rfind("val_", 0) == 0 || name.rfind("lr_", 0) == 0;
    events.scalar(grouped ? name.substr(0, underscore) + "/" + name.substr(underscore + 1) : name, value, state.step);
  }
  events.scalar("train/samples_per_second", samples_per_second, state.step);
  events.scalar("epoch", static_cast<double>(state.epoch), state.step);
  if (e_.config().train.tensorboard_histograms) {
    for (const auto& p : e_.model->named_parameters()) {
      const auto values = p.value().detach().to(torch::kCPU, torch::kFloat).contiguous();
      events.histogram("weights/" + p.key(),
                       std::vector<float>(values.data_ptr<float>(), values.data_ptr<float>() + values.numel()),
                       state.step);
    }
  }
  events.flush();
}

nlohmann::json Trainer::stop_mid_epoch(State& state) {
  const bool writes = is_main();
  if (state.failed_nonfinite) {
    const auto& fault = state.nonfinite_steps.back();
    const bool have_checkpoint = std::filesystem::exists(run_.last_checkpoint());
    if (writes) run_.write("summary.json", summary(state).dump(2) + "\n");
    runtime_error(
        "epoch {} step {} (batch {} of the epoch, examples {}{}): the {} is not finite; stopped. The last good "
        "checkpoint is {}. Set train.skip_nonfinite: true to skip such steps, or lower optimizer.lr / set "
        "train.grad_clip_norm",
        fault["epoch"].get<int64_t>(), fault["step"].get<int64_t>(), fault["batch"].get<int64_t>(),
        fault["examples"].dump(), fault["examples_more"].get<bool>() ? ", ..." : "", fault["what"].get<std::string>(),
        have_checkpoint ? run_.last_checkpoint() + " (from before this epoch)" : "none (no epoch finished)");
  }
  if (writes) {
    // Mid-epoch: the step reached, the epoch's loss so far and the random state.
    if (state.epoch_step > 0) save_checkpoint(run_.last_checkpoint(), *e_.model, e_.optimizer.get(), to_json(state));
    run_.write("summary.json", summary(state).dump(2) + "\n");
  }
  state.progress->notice(fmt::format(
      "{}: stopped {} (step {}); checkpoint {}. Continue with: attune train --resume {}",
      signal_name(state.interrupted_by),
      state.epoch_step > 0
          ? fmt::format("in epoch {} after {} of {} batches", state.epoch + 1, state.epoch_step, e_.steps_per_epoch)
          : fmt::format("after epoch {}", state.epoch),
      state.step, run_.last_checkpoint(), run_.path()));
  return summary(state);
}

bool Trainer::is_main() const {
  return !e_.distributed || e_.distributed->is_main();
}

void Trainer::train_epoch(State& state) {
  const auto& config = e_.config();
  const auto epoch = state.epoch + 1;
  const auto seed = static_cast<uint64_t>(config.seed);
  Distributed* const distributed = e_.distributed.get();
  const int64_t ranks = distributed ? distributed->world_size() : 1;
  const int64_t rank = distributed ? distributed->rank() : 0;
  state.progress->start_epoch(epoch);
  // Dropout and shuffling depend on (seed, epoch) only: see the class comment.
  // Each rank draws its own dropout; rank 0 draws what a single process would.
  // An epoch resumed part-way goes on with the random state its checkpoint restored.
  const int64_t first_step = state.epoch_step;
  const uint64_t dropout_seed = mix_seed(seed, static_cast<uint64_t>(epoch));
  if (first_step == 0) {
    torch::manual_seed(rank == 0 ? dropout_seed : mix_seed(dropout_seed, 2000000 + static_cast<uint64_t>(rank)));
  }
  // Every rank draws the same order; a step's global batch is the next
  // batch_size x ranks examples of it, of which each rank takes its slice
  // (the same examples in each step as one process with the global batch).
  const auto order = seeded_permutation(e_.train_data.size(), mix_seed(seed, 1000000 + static_cast<uint64_t>(epoch)));

  e_.model->train();
  const auto device_options = torch::TensorOptions().device(e_.device);
  auto loss_sum = torch::full({}, state.epoch_loss_sum, device_options.dtype(torch::kDouble));
  int64_t samples = state.epoch_samples;
  const int64_t samples_before = samples;
  int64_t loss_examples = state.epoch_loss_examples;
  const int64_t batch_size = config.train.batch_size;
  const auto epoch_start = std::chrono::steady_clock::now();
  std::vector<torch::Tensor> parameters = e_.model->parameters();
  for (int64_t step = first_step; step < e_.steps_per_epoch; ++step) {
    const int64_t global_begin = step * batch_size * ranks;
    const int64_t global_end = std::min(global_begin + batch_size * ranks, e_.train_data.size());
    const int64_t begin = std::min(global_begin + rank * batch_size, global_end);
    const int64_t end = std::min(begin + batch_size, global_end);
    std::vector<int64_t> indices;
    indices.reserve(static_cast<size_t>(end - begin));
    for (int64_t i = begin; i < end; ++i) indices.push_back(e_.train_data.indices[order[i]]);

    // Dropping the gradients (PyTorch's set_to_none) instead of zeroing them
    // saves a pass over every parameter, the whole embedding table included.
    for (auto& parameter : parameters) parameter.mutable_grad() = torch::Tensor();
    torch::Tensor loss;
    int64_t batch_examples = 0;
    if (!indices.empty()) {
      const Batch batch = e_.train_data.dataset->collate(indices).to(e_.device);
      batch_examples = batch.size();
      torch::Tensor logits;
      {
        const AutocastGuard autocast(e_.device, config.precision == "bf16");
        logits = e_.model->forward(batch);
      }
      logits = logits.to(torch::kFloat);  // the loss in float32, as autocast would compute it
      if (distributed) {
        // Summed over this rank's slice and divided by the global batch's
        // size: the ranks' summed gradients are then exactly the mean over
        // the global batch, also when the last batch splits unevenly.
        namespace F = torch::nn::functional;
        loss = F::cross_entropy(logits, batch.labels, F::CrossEntropyFuncOptions().reduction(torch::kSum)) /
               static_cast<double>(global_end - global_begin);
      } else {
        loss = torch::nn::functional::cross_entropy(logits, batch.labels);
      }
      loss.backward();
    }
    // Whether some rank's slice of this (last, short) global batch is empty.
    if (distributed) all_reduce_gradients(parameters, global_end - global_begin <= (ranks - 1) * batch_size);
    // The gradients' global norm (clipped to grad_clip_norm where set): one
    // number all ranks agree on, and NaN or Inf when the loss or any gradient is.
    const double max_norm =
        config.train.grad_clip_norm > 0 ? config.train.grad_clip_norm : std::numeric_limits<double>::infinity();
    const double norm = torch::nn::utils::clip_grad_norm_(parameters, max_norm);
    // On CPU the loss costs nothing to read; elsewhere the norm says enough.
    const bool loss_finite = !loss.defined() || !e_.device.is_cpu() || std::isfinite(loss.item<double>());
    if (!std::isfinite(norm) || !loss_finite) {
      nlohmann::json fault = {{"epoch", epoch},
                              {"step", state.step + 1},
                              {"batch", step + 1},
                              {"what", loss_finite ? "gradient norm" : "loss"}};
      fault["examples"] = std::vector<int64_t>(indices.begin(), indices.begin() + std::min<size_t>(indices.size(), 8));
      fault["examples_more"] = indices.size() > 8;
      if (state.nonfinite_steps.size() < 100) state.nonfinite_steps.push_back(fault);
      if (!config.train.skip_nonfinite) {
        state.nonfinite_steps.back() = fault;
        state.failed_nonfinite = true;
        break;
      }
      state.progress->notice(fmt::format("epoch {} step {}: non-finite {}, step skipped", epoch, state.step + 1,
                                         fault["what"].get<std::string>()));
      for (auto& parameter : parameters) parameter.mutable_grad() = torch::Tensor();
      loss = torch::Tensor();  // not in the epoch's loss
    } else {
      e_.optimizer->step();
    }
    e_.schedule->after_optimizer_step();
    ++state.step;

    // The loss is a mean over the global batch (this process's whole batch
    // when alone): times its size, the sum over this rank's examples.
    if (loss.defined()) loss_sum += loss.detach().to(torch::kDouble) * static_cast<double>(global_end - global_begin);
    samples += batch_examples;
    if (loss.defined()) loss_examples += batch_examples;
    // Rank 0's count times the ranks: the job's rate, near enough for a progress line.
    state.progress->update(
        step + 1, (samples - samples_before) * ranks, [&] { return mean_loss(loss_sum.item<double>(), loss_examples); },
        e_.optimizer->param_groups().front().options().get_lr());
    if (!distributed && step + 1 < e_.steps_per_epoch && interrupt_requested() != 0) {
      state.interrupted_by = interrupt_requested();
      state.epoch_step = step + 1;
      state.epoch_loss_sum = loss_sum.item<double>();
      state.epoch_samples = samples;
      state.epoch_loss_examples = loss_examples;
      break;
    }
  }
  state.train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
  state.train_samples += samples - samples_before;
  if (state.interrupted_by != 0 || state.failed_nonfinite) return;
  if (distributed) {
    // The epoch's loss over every rank's examples.
    auto totals = torch::stack({loss_sum, torch::full({}, static_cast<double>(loss_examples), loss_sum.options())});
    distributed->all_reduce_sum({totals});
    totals = totals.cpu();
    loss_sum = totals[0];
    loss_examples = static_cast<int64_t>(totals[1].item<double>());
  }
  state.epoch = epoch;
  state.epoch_step = 0;
  state.epoch_loss_sum = 0.0;
  state.epoch_samples = 0;
  state.epoch_loss_examples = 0;
  MetricsRow row;
  row.values.emplace_back("epoch", static_cast<double>(epoch));
  row.values.emplace_back("step", static_cast<double>(state.step));
  const auto& groups = e_.optimizer->param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    row.values.emplace_back(g == 0 ? "lr" : "lr_" + e_.group_names[g], groups[g].options().get_lr());
  }
  row.values.emplace_back("train_loss", mean_loss(loss_sum.item<double>(), loss_examples));
  state.history.push_back(row);
}

MetricsRow Trainer::evaluate_epoch(State& state) {
  const auto& config = e_.config();
  const EvalResult result = evaluate(*e_.model, e_.valid_data, config.train.eval_batch_size, e_.device,
                                     e_.distributed.get(), config.precision == "bf16");
  MetricsRow& row = state.history.back();
  row.values.emplace_back("val_loss", result.loss);
  row.values.emplace_back("val_accuracy", result.accuracy);
  e_.schedule->after_evaluation(row.get(config.train.early_stopping.metric));
  return row;
}

bool Trainer::track_best(State& state, const MetricsRow& row) {
  const auto& stopping = e_.config().train.early_stopping;
  const double value = row.get(stopping.metric);
  // NaN (an epoch whose every step was skipped) never improves on anything.
  const bool improved =
      !std::isnan(value) && (!state.best_value || improves(resolve_goal(stopping.metric, stopping.mode), value,
                                                           *state.best_value, stopping.min_delta));
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

void Trainer::write_metrics(const State& state) const {
  std::string text;
  const auto& columns = state.history.front().values;
  for (size_t c = 0; c < columns.size(); ++c) text += (c ? "," : "") + columns[c].first;
  text += "\n";
  for (const auto& row : state.history) {
    for (size_t c = 0; c < row.values.size(); ++c) {
      const double value = row.values[c].second;
      const bool integral = row.values[c].first == "epoch" || row.values[c].first == "step";
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
    e_.distributed->all_reduce_sum(gradients);
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
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(e_.device);
  auto used_tensor = torch::from_blob(used.data(), {static_cast<int64_t>(used.size())}, torch::kFloat)
                         .to(options, /*non_blocking=*/false, /*copy=*/true);
  gradients.push_back(used_tensor);
  e_.distributed->all_reduce_sum(gradients);
  const auto used_anywhere = used_tensor.cpu();
  const auto count = used_anywhere.accessor<float, 1>();
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (count[static_cast<int64_t>(i)] == 0.0F) parameters[i].mutable_grad() = torch::Tensor();
  }
}

nlohmann::json Trainer::summary(const State& state) const {
  auto row_json = [](const MetricsRow& row) {
    nlohmann::json json;
    for (const auto& [key, value] : row.values) {
      if (key == "epoch" || key == "step") {
        json[key] = static_cast<int64_t>(value);
      } else {
        json[key] = value;
      }
    }
    return json;
  };
  nlohmann::json json;
  if (!state.history.empty()) {
    json["best"] = row_json(state.history[state.best_row]);
    json["final"] = row_json(state.history.back());
  }
  json["epochs"] = state.epoch;
  json["steps"] = state.step;
  json["seconds"] = state.total_seconds;
  json["device"] = e_.device.str();
  json["blas"] = openblas_core().empty() ? "not OpenBLAS" : "OpenBLAS " + openblas_core();
  json["world_size"] = world_size();
  json["samples_per_second"] =
      state.train_seconds > 0 ? static_cast<double>(state.train_samples) / state.train_seconds : 0.0;
  json["stopped_early"] = state.stopped_early;
  json["pruned"] = state.pruned;
  if (state.interrupted_by != 0) {
    json["interrupted"] = {{"signal", signal_name(state.interrupted_by)},
                           {"epoch", state.epoch + (state.epoch_step > 0)},
                           {"epoch_step", state.epoch_step},
                           {"step", state.step}};
  }
  json["nonfinite_steps"] = state.nonfinite_steps;
  json["failed_nonfinite"] = state.failed_nonfinite;
  json["run_dir"] = run_.path();
  return json;
}

nlohmann::json Trainer::to_json(const State& state) const {
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
          {"epoch_loss_sum", state.epoch_loss_sum},
          {"epoch_samples", state.epoch_samples},
          {"epoch_loss_examples", state.epoch_loss_examples},
          {"nonfinite_steps", state.nonfinite_steps},
          {"world_size", world_size()},
          {"steps_per_epoch", e_.steps_per_epoch},
          {"scheduler", e_.schedule->state()}};
}

void Trainer::check_same_schedule(const nlohmann::json& json) const {
  // A resumed run keeps its global batch and its number of steps, or the
  // schedule (and what "epoch 3, step 40" means) would silently change.
  const int64_t ranks = json.value("world_size", int64_t{1});
  const int64_t batch = e_.config().train.batch_size;
  if (ranks != world_size()) {
    input_error(
        "{}: this run was trained by {} process(es) (global batch {} x {} = {}); resuming it with {} would change "
        "the global batch to {} and the schedule's length. Resume it with {}",
        run_.last_checkpoint(), ranks, batch, ranks, batch * ranks, world_size(), batch * world_size(),
        ranks == 1 ? fmt::format("`attune train --resume {}` (one process)", run_.path())
                   : fmt::format("`attune launch --nproc {} train --resume {}` (or torchrun with {} processes in all)",
                                 ranks, run_.path(), ranks));
  }
  const int64_t steps = json.value("steps_per_epoch", e_.steps_per_epoch);
  if (steps != e_.steps_per_epoch) {
    input_error(
        "{}: this run took {} steps per epoch, but its training data now gives {}: the data changed since it "
        "started ({}); resuming would stretch or shrink its schedule. Restore the data, or start a new run",
        run_.last_checkpoint(), steps, e_.steps_per_epoch, e_.config().data.options["train"].as<std::string>(""));
  }
}

int64_t Trainer::world_size() const {
  return e_.distributed ? e_.distributed->world_size() : 1;
}

void Trainer::from_json(const nlohmann::json& json, State& state) {
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
  state.epoch_loss_sum = json.value("epoch_loss_sum", 0.0);
  state.epoch_samples = json.value("epoch_samples", int64_t{0});
  state.epoch_loss_examples = json.value("epoch_loss_examples", state.epoch_samples);
  state.nonfinite_steps = json.value("nonfinite_steps", nlohmann::json::array());
  e_.schedule->load_state(json.at("scheduler"));
}

}  // namespace attune
