#include "core/sweep/sweep_results.h"

#include <fmt/ranges.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "core/io/atomic_file.h"
#include "core/metrics/metric_names.h"
#include "core/plot/svg_heatmap.h"
#include "core/plot/svg_plot.h"
#include "core/search/pareto.h"
#include "core/train/trainer.h"

namespace attune {
namespace {

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

template <typename T>
std::string number(const std::optional<T>& value) {
  return value ? fmt::format("{}", *value) : "";
}

/// `params` in the order of the space's keys (a grown sweep's earlier trials
/// may have been stored with the keys written in another order).
TrialParams in_space_order(const SweepSpec& spec, const TrialParams& params) {
  // Copies only: assigning a YAML::Node over another (as erasing from the
  // middle of a vector would) writes into the node it refers to.
  TrialParams ordered;
  std::vector<bool> taken(params.size(), false);
  for (const auto& d : spec.search().space.dimensions) {
    for (size_t i = 0; i < params.size(); ++i) {
      if (taken[i] || params[i].first != d.key) continue;
      ordered.push_back(params[i]);
      taken[i] = true;
      break;
    }
  }
  for (size_t i = 0; i < params.size(); ++i) {
    if (!taken[i]) ordered.push_back(params[i]);
  }
  return ordered;
}

}  // namespace

namespace {

/// The mean and population standard deviation (numpy's std, as
/// GridSearchCV's std_test_score); none for no values.
std::pair<std::optional<double>, std::optional<double>> mean_and_std(const std::vector<double>& values) {
  if (values.empty()) return {};
  double sum = 0, squares = 0;
  for (double v : values) sum += v;
  const double mean = sum / static_cast<double>(values.size());
  for (double v : values) squares += (v - mean) * (v - mean);
  return {mean, std::sqrt(squares / static_cast<double>(values.size()))};
}

/// A value as Python writes it in a dict's repr: GridSearchCV's `params`
/// column, as pandas writes cv_results_ to CSV.
std::string python_literal(const YAML::Node& value) {
  const std::string text = describe_value(value);
  if (value.IsScalar()) {
    if (text == "true" || text == "false") return text == "true" ? "True" : "False";
    try {
      size_t used = 0;
      (void)std::stod(text, &used);
      if (used == text.size()) return text;
    } catch (const std::exception&) {
    }
  }
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  return quoted + "'";
}

}  // namespace

namespace {

/// cv_results_'s ranks (scipy's rankdata 'min' of the means): complete trials
/// by `mean_of` in `goal`'s direction, then pruned ones by theirs (a NaN or
/// missing mean is unranked), ties sharing a rank; `rank_of` is set from 1.
/// Returns the ranked trials, best first.
template <typename MeanOf, typename RankOf>
std::vector<size_t> assign_ranks(std::vector<TrialResult>& trials, MetricGoal goal, MeanOf mean_of, RankOf rank_of) {
  std::vector<size_t> order;
  for (size_t i = 0; i < trials.size(); ++i) {
    const auto& t = trials[i];
    const std::optional<double> mean = mean_of(t);
    if ((t.status == TrialStatus::complete || t.status == TrialStatus::pruned) && mean && !std::isnan(*mean))
      order.push_back(i);
  }
  auto better = [&](size_t a, size_t b) {
    const auto &x = trials[a], &y = trials[b];
    if ((x.status == TrialStatus::complete) != (y.status == TrialStatus::complete))
      return x.status == TrialStatus::complete;
    const double mx = *mean_of(x), my = *mean_of(y);
    if (mx != my) return improves(goal, mx, my);
    return x.trial < y.trial;
  };
  std::stable_sort(order.begin(), order.end(), better);
  for (size_t r = 0; r < order.size(); ++r) {
    auto& t = trials[order[r]];
    const auto& previous = trials[order[r > 0 ? r - 1 : 0]];
    const bool tie = r > 0 && previous.status == t.status && *mean_of(previous) == *mean_of(t);
    rank_of(t) = tie ? rank_of(trials[order[r - 1]]) : static_cast<int64_t>(r + 1);
  }
  return order;
}

/// Several objectives: each one's ranks, and the complete trials' Pareto
/// ranks (non-dominated sorting of their means) with the front.
void rank_objectives(const SearchConfig& search, SweepResults& results) {
  const auto goals = search.goals();
  for (size_t k = 0; k < goals.size(); ++k) {
    assign_ranks(
        results.trials, goals[k], [k](const TrialResult& t) { return t.objectives[k].mean; },
        [k](TrialResult& t) -> int64_t& { return t.objectives[k].rank; });
  }
  std::vector<size_t> ranked;
  std::vector<LossVector> points;
  for (size_t i = 0; i < results.trials.size(); ++i) {
    const auto& t = results.trials[i];
    if (t.status != TrialStatus::complete) continue;
    std::vector<double> means;
    for (const auto& objective : t.objectives) {
      if (objective.mean && !std::isnan(*objective.mean)) means.push_back(*objective.mean);
    }
    if (means.size() != goals.size()) continue;
    ranked.push_back(i);
    points.push_back(as_losses(means, goals));
  }
  const auto ranks = nondominated_ranks(points);
  for (size_t j = 0; j < ranked.size(); ++j) {
    results.trials[ranked[j]].pareto_rank = ranks[j] + 1;
    if (ranks[j] == 0) results.front.push_back(ranked[j]);
  }
}

}  // namespace

int64_t median_epoch(std::vector<int64_t> epochs) {
  if (epochs.empty()) return 0;
  std::sort(epochs.begin(), epochs.end());
  const size_t n = epochs.size();
  if (n % 2) return epochs[n / 2];
  return (epochs[n / 2 - 1] + epochs[n / 2] + 1) / 2;
}

SweepResults collect_results(const SweepSpec& spec, TrialStore& store) {
  SweepResults results;
  results.folds = std::max<int64_t>(1, spec.search().cv_folds);
  const MetricGoal goal = spec.search().goal();
  for (const auto& record : store.trials()) {
    TrialResult result;
    result.trial = record.trial;
    result.params = in_space_order(spec, params_from_json(record.params_json));
    result.status = record.status;
    result.message = record.message;
    result.folds.assign(static_cast<size_t>(results.folds), std::nullopt);
    result.fold_epochs.assign(static_cast<size_t>(results.folds), std::nullopt);
    const size_t objective_count = spec.search().multi_objective() ? spec.search().objectives.size() : 0;
    result.objectives.assign(objective_count, ObjectiveResult{});
    for (auto& objective : result.objectives) objective.folds.assign(static_cast<size_t>(results.folds), std::nullopt);
    for (const auto& fold : store.folds(record.trial)) {
      if (fold.fold >= results.folds) continue;
      result.folds[static_cast<size_t>(fold.fold)] = fold.value;
      result.fold_epochs[static_cast<size_t>(fold.fold)] = fold.best_epoch;
      if (fold.objectives.size() != objective_count) continue;  // a fold from before the objectives
      for (size_t k = 0; k < objective_count; ++k)
        result.objectives[k].folds[static_cast<size_t>(fold.fold)] = fold.objectives[k];
    }
    std::vector<double> values, fit_times, score_times;
    for (const auto& value : result.folds) {
      if (value) values.push_back(*value);
    }
    for (const auto& fold : store.folds(record.trial)) {
      if (fold.fold >= results.folds) continue;
      fit_times.push_back(fold.fit_seconds);
      score_times.push_back(fold.score_seconds);
      result.trained_epochs += fold.epochs;
    }
    std::tie(result.mean_fit_time, result.std_fit_time) = mean_and_std(fit_times);
    std::tie(result.mean_score_time, result.std_score_time) = mean_and_std(score_times);
    if (values.size() == result.folds.size()) {
      std::vector<int64_t> epochs;
      for (const auto& epoch : result.fold_epochs) epochs.push_back(*epoch);
      result.refit_epochs = median_epoch(epochs);
    }
    std::tie(result.mean, result.std) = mean_and_std(values);
    for (auto& objective : result.objectives) {
      std::vector<double> done;
      for (const auto& value : objective.folds) {
        if (value) done.push_back(*value);
      }
      std::tie(objective.mean, objective.std) = mean_and_std(done);
    }
    results.trials.push_back(std::move(result));
  }
  // Each trial's fold-0 metric per epoch, as its worker reported it (on
  // whichever machine it ran). Epochs run from 1 without gaps.
  std::map<int64_t, size_t> position;
  for (size_t i = 0; i < results.trials.size(); ++i) position[results.trials[i].trial] = i;
  for (int64_t epoch = 1;; ++epoch) {
    const auto values = store.intermediate_values(0, epoch);
    if (values.empty()) break;
    for (const auto& value : values) {
      if (position.count(value.trial)) results.trials[position[value.trial]].curve.push_back(value.value);
    }
  }
  const auto order = assign_ranks(
      results.trials, goal, [](const TrialResult& t) { return t.mean; },
      [](TrialResult& t) -> int64_t& { return t.rank; });
  if (spec.search().multi_objective()) rank_objectives(spec.search(), results);
  if (!order.empty() && results.trials[order[0]].status == TrialStatus::complete) results.best = order[0];
  return results;
}

namespace {

/// A trial's experiment as YAML, ready for `attune train` (no `search:`).
std::string trial_yaml(const SweepSpec& spec, const TrialResult& trial) {
  LoadedExperiment loaded = spec.trial_experiment(trial.params, trial.trial);
  YAML::Node resolved = YAML::Clone(loaded.resolved);
  resolved.remove("search");
  return to_yaml(resolved);
}

/// pareto.svg and pareto/trial_NNNN.yaml (see write_results).
void write_pareto_front(const SweepSpec& spec, const SweepResults& results) {
  namespace fs = std::filesystem;
  const auto& objectives = spec.search().objectives;
  // The second objective across (a cost: parameters, seconds), the first up.
  PlotSeries others, front;
  others.name = "complete trials";
  others.line = false;
  others.markers = true;
  front.name = fmt::format("Pareto front ({} trials)", results.front.size());
  front.markers = true;
  for (const auto& t : results.trials) {
    if (t.pareto_rank <= 1) continue;
    others.x.push_back(*t.objectives[1].mean);
    others.y.push_back(*t.objectives[0].mean);
  }
  std::vector<std::pair<double, double>> points;
  for (size_t i : results.front)
    points.emplace_back(*results.trials[i].objectives[1].mean, *results.trials[i].objectives[0].mean);
  std::sort(points.begin(), points.end());
  for (const auto& [x, y] : points) {
    front.x.push_back(x);
    front.y.push_back(y);
  }
  PlotOptions options;
  options.title = fmt::format("{}: mean {} against mean {}{}", spec.name(), objectives[0].metric, objectives[1].metric,
                              objectives.size() > 2 ? " (the front over all objectives)" : "");
  options.x_label = objectives[1].metric;
  options.y_label = objectives[0].metric;
  std::vector<PlotSeries> series;
  for (auto* s : {&others, &front}) {
    if (!s->x.empty()) series.push_back(*s);
  }
  if (!series.empty()) write_line_plot(spec.sweep_dir + "/pareto.svg", series, options);

  const fs::path folder = fs::path(spec.sweep_dir) / "pareto";
  fs::create_directories(folder);
  std::set<std::string> written;
  for (size_t i : results.front) {
    const auto& t = results.trials[i];
    std::string values;
    for (size_t k = 0; k < objectives.size(); ++k) {
      values += fmt::format("{}{} {:.6g}", k ? ", " : "", objectives[k].metric, *t.objectives[k].mean);
    }
    const std::string name = fmt::format("trial_{:04}.yaml", t.trial);
    write_file_atomically((folder / name).string(),
                          fmt::format("# trial {} of sweep {}, on the Pareto front: mean {} over {} fold(s)\n", t.trial,
                                      spec.name(), values, results.folds) +
                              trial_yaml(spec, t));
    written.insert(name);
  }
  // A grown sweep's front moves on: a file of a trial now dominated goes.
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (!written.count(name) && name.rfind("trial_", 0) == 0) fs::remove(entry.path());
  }
}

}  // namespace

void write_results(const SweepSpec& spec, const SweepResults& results) {
  const auto& search = spec.search();
  // GridSearchCV's cv_results_ columns in its order (a test score is
  // search.metric as it is, ranked in its direction), then attune's own.
  std::string csv = "mean_fit_time,std_fit_time,mean_score_time,std_score_time";
  for (const auto& d : search.space.dimensions) csv += "," + csv_cell("param_" + d.key);
  csv += ",params";
  for (int64_t f = 0; f < results.folds; ++f) csv += fmt::format(",split{}_test_score", f);
  csv += ",mean_test_score,std_test_score,rank_test_score";
  // Several objectives: a block per objective, as GridSearchCV's multi-metric
  // scoring names one per scorer, then each trial's Pareto rank.
  for (const auto& objective : search.objectives) {
    if (!search.multi_objective()) break;
    const std::string& name = objective.metric;
    for (int64_t f = 0; f < results.folds; ++f) csv += fmt::format(",split{}_test_{}", f, name);
    csv += fmt::format(",mean_test_{0},std_test_{0},rank_test_{0}", name);
  }
  if (search.multi_objective()) csv += ",pareto_rank";
  // Each fold's best epoch (where its score is from), the refit's epochs.
  for (int64_t f = 0; f < results.folds; ++f) csv += fmt::format(",split{}_best_epoch", f);
  csv += ",refit_epochs,trained_epochs,status,trial\n";
  for (const auto& t : results.trials) {
    csv += number(t.mean_fit_time) + "," + number(t.std_fit_time) + "," + number(t.mean_score_time) + "," +
           number(t.std_score_time);
    std::string params;
    for (const auto& [key, value] : t.params) {
      csv += "," + csv_cell(describe_value(value));
      params += (params.empty() ? "{" : ", ") + python_literal(YAML::Node(key)) + ": " + python_literal(value);
    }
    csv += "," + csv_cell(params + "}");
    for (const auto& score : t.folds) csv += "," + number(score);
    csv += "," + number(t.mean) + "," + number(t.std) + "," + (t.rank > 0 ? std::to_string(t.rank) : "");
    for (const auto& objective : t.objectives) {
      for (const auto& value : objective.folds) csv += "," + number(value);
      csv += "," + number(objective.mean) + "," + number(objective.std) + "," +
             (objective.rank > 0 ? std::to_string(objective.rank) : "");
    }
    if (search.multi_objective()) csv += "," + (t.pareto_rank > 0 ? std::to_string(t.pareto_rank) : "");
    for (const auto& epoch : t.fold_epochs) csv += "," + number(epoch);
    csv += "," + number(t.refit_epochs) + "," + std::to_string(t.trained_epochs) + "," + to_string(t.status) + "," +
           std::to_string(t.trial) + "\n";
  }
  write_file_atomically(spec.sweep_dir + "/results.csv", csv);

  if (results.best) {
    const auto& best = results.trials[*results.best];
    write_file_atomically(
        spec.sweep_dir + "/best.yaml",
        fmt::format("# best trial {} of sweep {}: mean {} {:.6g} over {} fold(s), best at epoch "
                    "{} (median over folds; a refit stops there)\n",
                    best.trial, spec.name(), search.metric, *best.mean, results.folds, number(best.refit_epochs)) +
            trial_yaml(spec, best));
  }

  if (search.multi_objective()) write_pareto_front(spec, results);

  // The metric over the first two searched keys, each cell the best trial there.
  if (search.space.dimensions.size() >= 2) {
    const std::string& x_key = search.space.dimensions[0].key;
    const std::string& y_key = search.space.dimensions[1].key;
    std::vector<std::string> xs, ys;
    std::map<std::pair<std::string, std::string>, double> cells;
    std::map<std::pair<std::string, std::string>, std::string> empty_labels;  // why a cell has no value
    for (const auto& t : results.trials) {
      const std::string x = describe_value(t.params[0].second), y = describe_value(t.params[1].second);
      if (std::find(xs.begin(), xs.end(), x) == xs.end()) xs.push_back(x);
      if (std::find(ys.begin(), ys.end(), y) == ys.end()) ys.push_back(y);
      if (!t.mean || t.status != TrialStatus::complete) {
        if (!cells.count({x, y})) empty_labels[{x, y}] = to_string(t.status);
        continue;
      }
      empty_labels.erase({x, y});
      auto [it, inserted] = cells.emplace(std::make_pair(x, y), *t.mean);
      if (!inserted && improves(search.goal(), *t.mean, it->second)) it->second = *t.mean;
    }
    HeatmapOptions options;
    options.title = fmt::format("{}: mean {} of complete trials (best over other keys)", spec.name(), search.metric);
    options.x_label = x_key;
    options.y_label = y_key;
    options.empty_cell_labels = empty_labels;
    write_heatmap(spec.sweep_dir + "/heatmap.svg", xs, ys, cells, options);
  }

  // Learning curves: each trial's metric after every epoch of its first fold.
  std::vector<PlotSeries> curves;
  for (const auto& t : results.trials) {
    if (t.curve.empty()) continue;
    PlotSeries series;
    series.name = fmt::format("trial {}", t.trial);
    for (size_t epoch = 0; epoch < t.curve.size(); ++epoch) series.x.push_back(static_cast<double>(epoch + 1));
    series.y = t.curve;
    curves.push_back(std::move(series));
  }
  PlotOptions options;
  options.title = fmt::format("{}: {} per epoch (fold 0 of every trial)", spec.name(), search.metric);
  options.x_label = "epoch";
  options.y_label = search.metric;
  options.legend = curves.size() <= 12;
  write_line_plot(spec.sweep_dir + "/learning_curves.svg", curves, options);
}

std::string ranked_table(const SweepSpec& spec, const SweepResults& results) {
  const auto& search = spec.search();
  std::vector<size_t> order(results.trials.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto ra = results.trials[a].rank, rb = results.trials[b].rank;
    return (ra > 0 ? ra : INT64_MAX) < (rb > 0 ? rb : INT64_MAX);
  });
  std::vector<std::string> header = {"rank", "trial"};
  for (const auto& d : search.space.dimensions) header.push_back(d.key);
  header.push_back("mean_" + search.metric);
  header.push_back("std");
  if (search.multi_objective()) {
    for (size_t k = 1; k < search.objectives.size(); ++k) header.push_back("mean_" + search.objectives[k].metric);
    header.push_back("pareto");
  }
  header.push_back("status");
  std::vector<std::vector<std::string>> rows;
  for (size_t i : order) {
    const auto& t = results.trials[i];
    std::vector<std::string> row = {t.rank > 0 ? std::to_string(t.rank) : "-", std::to_string(t.trial)};
    for (const auto& [key, value] : t.params) row.push_back(describe_value(value));
    row.push_back(t.mean ? fmt::format("{:.4f}", *t.mean) : "-");
    row.push_back(t.std ? fmt::format("{:.4f}", *t.std) : "-");
    if (search.multi_objective()) {
      for (size_t k = 1; k < t.objectives.size(); ++k) {
        row.push_back(t.objectives[k].mean ? fmt::format("{:.6g}", *t.objectives[k].mean) : "-");
      }
      row.push_back(t.pareto_rank > 0 ? std::to_string(t.pareto_rank) : "-");
    }
    row.push_back(to_string(t.status));
    rows.push_back(std::move(row));
  }
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    widths[c] = header[c].size();
    for (const auto& row : rows) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c)
      out += fmt::format("{:<{}}{}", cells[c], widths[c], c + 1 < cells.size() ? "  " : "\n");
  };
  line(header);
  for (const auto& row : rows) line(row);
  int64_t epochs = 0;
  for (const auto& t : results.trials) epochs += t.trained_epochs;
  out += fmt::format("{} trials, {} epochs trained over their folds", results.trials.size(), epochs);
  if (search.multi_objective()) {
    out += fmt::format("; {} on the Pareto front (pareto/, pareto.svg)", results.front.size());
  }
  out += "\n";
  return out;
}

void refit_best(const SweepSpec& spec, const SweepResults& results) {
  namespace fs = std::filesystem;
  if (!results.best) {
    fmt::print(stderr, "refit: no completed trial to refit\n");
    return;
  }
  const auto& search = spec.search();
  const auto& best = results.trials[*results.best];
  if (!best.refit_epochs) {  // a complete trial has every fold; a store edited by hand may not
    fmt::print(stderr, "refit: trial {} lacks a fold's result; not refitting\n", best.trial);
    return;
  }
  const int64_t epochs = *best.refit_epochs;
  std::vector<int64_t> fold_epochs;
  for (const auto& epoch : best.fold_epochs) fold_epochs.push_back(*epoch);
  // What this refit is; a refit/ made for another best trial (a grown sweep)
  // or by an earlier attune is replaced, never continued.
  const nlohmann::json what{{"trial", best.trial},
                            {"params", nlohmann::json::parse(params_to_json(best.params))},
                            {"cv_folds", search.cv_folds},
                            {"metric", search.metric},
                            {"fold_best_epochs", fold_epochs},
                            {"epochs", epochs}};
  const RunDirectory run(spec.sweep_dir + "/refit");
  const std::string marker = run.file("refit.json");
  if (fs::exists(run.path())) {
    nlohmann::json previous;
    if (fs::exists(marker)) previous = nlohmann::json::parse(read_text_file(marker), nullptr, false);
    if (previous != what) {
      fmt::print(stderr, "refit: replacing {} (made for {}), as the best trial is now {}\n", run.path(),
                 previous.is_object() && previous.contains("trial")
                     ? fmt::format("trial {}", previous.at("trial").dump())
                     : std::string("an earlier sweep"),
                 best.trial);
      fs::remove_all(run.path());
    }
  }
  fs::create_directories(run.path());
  write_file_atomically(marker, what.dump(2) + "\n");

  // The trial's own config, so that its lr schedule (sized by train.epochs)
  // is the one its folds were scored with, stopped where they chose; no
  // early stopping, which would pick the epoch by the valid split.
  TrialParams params = best.params;
  params.emplace_back("train.early_stopping.patience", YAML::Node(0));
  Experiment experiment = build_experiment(spec.trial_experiment(params, best.trial));
  Trainer trainer(experiment, run);
  trainer.stop_after_epoch(epochs);
  const auto summary = trainer.fit(fs::exists(run.last_checkpoint()));
  const MetricsRow& final_row = summary.last.value();
  fmt::print(
      "refit of trial {} on the whole training split, stopped after epoch {} (the median of its folds' best "
      "epochs {}): {} {:.4f} on the valid split at that epoch, {} ({})\n",
      best.trial, static_cast<int64_t>(final_row.get(metric::epoch)), fmt::join(fold_epochs, ", "), search.metric,
      final_row.get(search.metric),
      search.cv_folds >= 2 ? "which nothing was tuned on"
                           : "the split the trials were ranked on (cv_folds 0), so no held-out estimate: "
                             "use cv_folds >= 2 for one",
      run.path());
}

}  // namespace attune
