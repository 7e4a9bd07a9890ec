#include "core/train/trainer.h"

#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>

#include <chrono>
#include <cmath>

#include "core/data/permutation.h"
#include "core/train/checkpoint.h"
#include "core/train/evaluate.h"
#include "core/train/progress.h"

namespace attune {

double MetricsRow::get(const std::string& name) const {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  runtime_error("no metric `{}` in this row", name);
}

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
  std::unique_ptr<Progress> progress;
};

Trainer::Trainer(Experiment& experiment, RunDirectory run_directory)
    : e_(experiment), run_(std::move(run_directory)) {}

void Trainer::write_run_files() const {
  run_.write("config.yaml", to_yaml(e_.loaded.resolved));
  run_.write("labels.json", nlohmann::json(e_.data->label_names()).dump(2) + "\n");
  write_init_report(run_.file("init_report.csv"), e_.init_report);
}

nlohmann::json Trainer::fit(bool resume) {
  const auto& config = e_.config();
  run_.create(resume);
  State state;
  if (resume) {
    from_json(load_checkpoint(run_.last_checkpoint(), *e_.model, e_.optimizer.get()), state);
  } else {
    write_run_files();
  }
  state.progress = std::make_unique<Progress>(Progress::parse_style(config.train.progress), config.train.epochs,
                                              e_.steps_per_epoch);
  if (resume) {
    state.progress->message(fmt::format("resuming {} after epoch {} (step {})", run_.path(), state.epoch, state.step));
  }
  const auto start = std::chrono::steady_clock::now();
  const double seconds_before = state.total_seconds;
  while (state.epoch < config.train.epochs && !state.stopped_early && !state.pruned &&
         (stop_after_epoch_ == 0 || state.epoch < stop_after_epoch_)) {
    train_epoch(state);
    const MetricsRow row = evaluate_epoch(state);
    const bool improved = track_best(state, row);
    if (on_epoch_end_ && on_epoch_end_(row)) state.pruned = true;
    state.total_seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    write_metrics(state);
    // best.pt first: if killed in between, last.pt still names the previous epoch.
    if (improved) save_checkpoint(run_.best_checkpoint(), *e_.model, nullptr, to_json(state));
    save_checkpoint(run_.last_checkpoint(), *e_.model, e_.optimizer.get(), to_json(state));
    run_.write("summary.json", summary(state).dump(2) + "\n");
    state.progress->end_epoch(fmt::format("train_loss {:.4f} val_loss {:.4f} val_accuracy {:.4f}{}",
                                          row.get("train_loss"), row.get("val_loss"), row.get("val_accuracy"),
                                          improved ? " (best)" : ""));
  }
  if (state.stopped_early) {
    state.progress->message(fmt::format("early stopping: {} did not improve for {} evaluations",
                                        config.train.early_stopping.metric, config.train.early_stopping.patience));
  }
  return summary(state);
}

void Trainer::train_epoch(State& state) {
  const auto& config = e_.config();
  const auto epoch = state.epoch + 1;
  const auto seed = static_cast<uint64_t>(config.seed);
  state.progress->start_epoch(epoch);
  // Dropout and shuffling depend on (seed, epoch) only: see the class comment.
  torch::manual_seed(mix_seed(seed, static_cast<uint64_t>(epoch)));
  const auto order = seeded_permutation(e_.train_data.size(), mix_seed(seed, 1000000 + static_cast<uint64_t>(epoch)));

  e_.model->train();
  const auto device_options = torch::TensorOptions().device(e_.device);
  auto loss_sum = torch::zeros({}, device_options.dtype(torch::kDouble));
  int64_t samples = 0;
  const int64_t batch_size = config.train.batch_size;
  const auto epoch_start = std::chrono::steady_clock::now();
  std::vector<torch::Tensor> parameters = e_.model->parameters();
  for (int64_t step = 0; step < e_.steps_per_epoch; ++step) {
    const int64_t begin = step * batch_size;
    const int64_t end = std::min(begin + batch_size, e_.train_data.size());
    std::vector<int64_t> indices;
    indices.reserve(static_cast<size_t>(end - begin));
    for (int64_t i = begin; i < end; ++i) indices.push_back(e_.train_data.indices[order[i]]);
    const Batch batch = e_.train_data.dataset->collate(indices).to(e_.device);

    const auto logits = e_.model->forward(batch);
    const auto loss = torch::nn::functional::cross_entropy(logits, batch.labels);
    // Dropping the gradients (PyTorch's set_to_none) instead of zeroing them
    // saves a pass over every parameter, the whole embedding table included.
    for (auto& parameter : parameters) parameter.mutable_grad() = torch::Tensor();
    loss.backward();
    if (config.train.grad_clip_norm > 0) torch::nn::utils::clip_grad_norm_(parameters, config.train.grad_clip_norm);
    e_.optimizer->step();
    e_.schedule->after_optimizer_step();
    ++state.step;

    loss_sum += loss.detach().to(torch::kDouble) * static_cast<double>(batch.size());
    samples += batch.size();
    state.progress->update(
        step + 1, samples, [&] { return loss_sum.item<double>() / static_cast<double>(samples); },
        e_.optimizer->param_groups().front().options().get_lr());
  }
  state.train_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
  state.train_samples += samples;
  state.epoch = epoch;
  MetricsRow row;
  row.values.emplace_back("epoch", static_cast<double>(epoch));
  row.values.emplace_back("step", static_cast<double>(state.step));
  const auto& groups = e_.optimizer->param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    row.values.emplace_back(g == 0 ? "lr" : "lr_" + e_.group_names[g], groups[g].options().get_lr());
  }
  row.values.emplace_back("train_loss", loss_sum.item<double>() / static_cast<double>(std::max<int64_t>(samples, 1)));
  state.history.push_back(row);
}

MetricsRow Trainer::evaluate_epoch(State& state) {
  const auto& config = e_.config();
  const EvalResult result = evaluate(*e_.model, e_.valid_data, config.train.eval_batch_size, e_.device);
  MetricsRow& row = state.history.back();
  row.values.emplace_back("val_loss", result.loss);
  row.values.emplace_back("val_accuracy", result.accuracy);
  e_.schedule->after_evaluation(row.get(config.train.early_stopping.metric));
  return row;
}

bool Trainer::track_best(State& state, const MetricsRow& row) {
  const auto& stopping = e_.config().train.early_stopping;
  const double value = row.get(stopping.metric);
  const bool improved = !state.best_value || (stopping.mode == "max" ? value > *state.best_value + stopping.min_delta
                                                                     : value < *state.best_value - stopping.min_delta);
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
  json["world_size"] = 1;
  json["samples_per_second"] = state.train_seconds > 0 ? static_cast<double>(state.train_samples) / state.train_seconds : 0.0;
  json["stopped_early"] = state.stopped_early;
  json["pruned"] = state.pruned;
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
          {"scheduler", e_.schedule->state()}};
}

void Trainer::from_json(const nlohmann::json& json, State& state) {
  state.epoch = json.at("epoch").get<int64_t>();
  state.step = json.at("step").get<int64_t>();
  for (const auto& values : json.at("history")) {
    MetricsRow row;
    for (const auto& pair : values) row.values.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<double>());
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
  e_.schedule->load_state(json.at("scheduler"));
}

}  // namespace attune
