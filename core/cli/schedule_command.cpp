#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <memory>
#include <sstream>

#include "core/cli/commands.h"
#include "core/experiment/experiment.h"
#include "core/experiment/experiment_config.h"
#include "core/io/atomic_file.h"
#include "core/plot/svg_plot.h"
#include "core/text/suggest.h"
#include "core/text/text_fields.h"

namespace attune::cli {
namespace {

/// Validation metrics to feed schedulers that follow one: one number per
/// line, or a CSV with a header (a run's metrics.csv), read from `column`.
std::vector<double> read_metrics(const std::string& path, const std::string& column) {
  std::istringstream lines(read_text_file(path));
  std::vector<double> values;
  std::string line;
  size_t line_number = 0, index = 0;
  bool csv = false;
  while (std::getline(lines, line)) {
    ++line_number;
    if (line.empty()) continue;
    double value = 0;
    if (line_number == 1 && !parse_number(line, value)) {
      std::vector<std::string> header;
      std::istringstream cells(line);
      for (std::string cell; std::getline(cells, cell, ',');) header.push_back(cell);
      auto it = std::find(header.begin(), header.end(), column);
      if (it == header.end()) {
        input_error("{}:1: no column `{}` (the monitored metric){}; the header has {}", path, column,
                    did_you_mean(column, header), quoted_list(header));
      }
      index = static_cast<size_t>(it - header.begin());
      csv = true;
      continue;
    }
    std::string cell = line;
    if (csv) {
      std::istringstream cells(line);
      for (size_t i = 0; i <= index && std::getline(cells, cell, ','); ++i) {
      }
    }
    if (!parse_number(cell, value)) input_error("{}:{}: expected a number, got `{}`", path, line_number, cell);
    values.push_back(value);
  }
  return values;
}

}  // namespace

CommandRunner add_schedule_command(CLI::App& app) {
  struct Arguments {
    ExperimentArguments experiment;
    int64_t ticks = 0;
    std::string plot;
    std::string metrics;
  };
  auto args = std::make_shared<Arguments>();
  auto* command = app.add_subcommand("schedule", "print the learning-rate schedule as CSV tick,lr; train nothing");
  add_experiment_arguments(*command, args->experiment);
  command->add_option("--ticks", args->ticks, "ticks to print after tick 0 (default: the whole run)");
  command->add_option("--plot", args->plot, "also draw the curve into this SVG file");
  command->add_option("--metrics", args->metrics,
                      "validation metrics for reduce_on_plateau: one number per line, or a run's metrics.csv");
  return [args]() {
    args->experiment.split();
    const auto loaded =
        load_experiment(args->experiment.experiment, args->experiment.overrides, args->experiment.plugins);
    const auto& config = loaded.config;
    // The run's length needs the training split's size.
    const auto data = config.data.create({static_cast<uint64_t>(config.seed), {}});
    const RunLength length = run_length(config.train, data->train().size(), 1);
    const OptimizerArgs groups = placeholder_param_groups(config.optimizer);
    const auto optimizer = build_optimizer(config.optimizer, groups);
    const int64_t steps = length.steps_per_epoch;
    LrSchedule schedule(config.scheduler, *optimizer, steps, length.epochs, config.train.early_stopping.metric,
                        column_goal(config.train.early_stopping.metric), length.total_steps);
    int64_t ticks = args->ticks > 0 ? args->ticks : schedule.total_ticks();
    std::vector<double> metrics;
    if (schedule.needs_metric()) {
      if (args->metrics.empty()) {
        input_error(
            "scheduler `{}` follows the validation metric: give --metrics FILE (a run's metrics.csv, or one "
            "number per evaluation)",
            config.scheduler.component.type);
      }
      metrics = read_metrics(args->metrics, config.train.early_stopping.metric);
      const auto evaluations = static_cast<int64_t>(metrics.size());
      ticks = std::min<int64_t>(ticks, schedule.per_step() ? evaluations * steps : evaluations);
    }
    // Replays what training does: optimizer steps, and an evaluation after
    // every epoch's last step, fed the next metric.
    auto metric = [&](int64_t evaluation) {
      return metrics.empty() ? std::nan("") : metrics.at(static_cast<size_t>(evaluation));
    };
    auto tick_once = [&](int64_t tick) {
      if (!schedule.per_step()) return schedule.after_evaluation(metric(tick - 1));
      schedule.after_optimizer_step();
      if (tick % steps == 0) schedule.after_evaluation(metric(tick / steps - 1));
    };

    const auto names = group_names(groups);
    std::vector<PlotSeries> series(names.size());
    std::string csv = "tick";
    for (size_t g = 0; g < names.size(); ++g) {
      series[g].name = names[g];
      csv += names.size() == 1 ? ",lr" : ",lr_" + names[g];
    }
    csv += "\n";
    for (int64_t tick = 0; tick <= ticks; ++tick) {
      if (tick > 0) tick_once(tick);
      csv += std::to_string(tick);
      const auto lrs = schedule.lrs();
      for (size_t g = 0; g < lrs.size(); ++g) {
        csv += fmt::format(",{}", lrs[g]);
        series[g].x.push_back(static_cast<double>(tick));
        series[g].y.push_back(lrs[g]);
      }
      csv += "\n";
    }
    fmt::print("{}", csv);
    if (!args->plot.empty()) {
      PlotOptions options;
      options.title = fmt::format("{}: {} ({} ticks of one {})", config.name, config.scheduler.component.type, ticks,
                                  schedule.per_step() ? "optimizer step" : "epoch");
      options.x_label = schedule.per_step() ? "optimizer step" : "epoch";
      options.y_label = "learning rate";
      write_line_plot(args->plot, series, options);
    }
    return 0;
  };
}

}  // namespace attune::cli
