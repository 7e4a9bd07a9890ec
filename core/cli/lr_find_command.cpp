// `attune lr-find EXP`: the learning-rate range test on a fresh model, its
// suggestion printed, its curve drawn; the experiment is left as it was.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include "core/cli/commands.h"
#include "core/experiment/experiment.h"
#include "core/io/atomic_file.h"
#include "core/plot/svg_plot.h"
#include "core/train/lr_finder.h"

namespace attune::cli {
namespace {

struct LrFindArguments {
  ExperimentArguments experiment;
  LrFinderOptions options;
  std::string plot = "lr_find.svg";
};

/// The plot's path with `.csv` for its extension: where the values go.
std::string values_path(const std::string& plot) {
  return std::filesystem::path(plot).replace_extension(".csv").string();
}

void write_outputs(const LrFindArguments& args, const LrFinderResult& result, const std::string& name) {
  std::string csv = "step,lr,loss,smoothed_loss\n";
  PlotSeries curve{"smoothed loss", {}, {}};
  for (size_t i = 0; i < result.lrs.size(); ++i) {
    csv += fmt::format("{},{},{},{}\n", i + 1, result.lrs[i], result.losses[i], result.smoothed[i]);
    curve.x.push_back(std::log10(result.lrs[i]));
    curve.y.push_back(result.smoothed[i]);
  }
  const auto folder = std::filesystem::path(args.plot).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder);
  write_file_atomically(values_path(args.plot), csv);
  std::vector<PlotSeries> series = {curve};
  if (result.suggestion) {
    // A vertical mark at the suggestion, over the curve's range.
    const double x = std::log10(result.lrs[*result.suggestion]);
    const auto [low, high] = std::minmax_element(curve.y.begin(), curve.y.end());
    series.push_back({fmt::format("suggested lr {:.3g}", result.lrs[*result.suggestion]), {x, x}, {*low, *high}});
  }
  PlotOptions options;
  options.title = fmt::format("{}: learning-rate range test ({} steps)", name, result.lrs.size());
  options.x_label = "log10(learning rate)";
  options.y_label = "training loss (smoothed)";
  write_line_plot(args.plot, series, options);
}

}  // namespace

CommandRunner add_lr_find_command(CLI::App& app) {
  auto args = std::make_shared<LrFindArguments>();
  auto* command = app.add_subcommand(
      "lr-find",
      "learning-rate range test: train a fresh model with a rising lr and suggest where the loss falls fastest");
  add_experiment_arguments(*command, args->experiment);
  command->add_option("--steps", args->options.steps, "optimizer steps, one batch each (default 100)")
      ->check(CLI::Range(int64_t{2}, int64_t{1000000}));
  command->add_option("--min-lr", args->options.min_lr, "the first step's lr (default 1e-8)")
      ->check(CLI::PositiveNumber);
  command->add_option("--max-lr", args->options.max_lr, "the last step's lr (default 1)")->check(CLI::PositiveNumber);
  command->add_option("--plot", args->plot,
                      "where the curve is drawn (default lr_find.svg); the values go beside it as .csv");
  return [args]() {
    args->experiment.split();
    const auto loaded =
        load_experiment(args->experiment.experiment, args->experiment.overrides, args->experiment.plugins);
    Experiment experiment = build_experiment(loaded);
    const LrFinderResult result = find_lr(experiment, args->options);
    write_outputs(*args, result, loaded.config.name);
    if (result.diverged) {
      fmt::print("stopped after {} of {} steps: the smoothed loss passed {} times its lowest\n", result.lrs.size(),
                 args->options.steps, args->options.divergence);
    }
    if (!result.suggestion) {
      fmt::print(
          "no suggestion: {} steps leave too few points once the first {} and the last {} are skipped; raise "
          "--steps or --max-lr\n",
          result.lrs.size(), args->options.skip_begin, args->options.skip_end);
    } else {
      const double lr = result.lrs[*result.suggestion];
      fmt::print("suggested lr: {:.6g} (steepest fall of the smoothed loss, step {} of {}); try optimizer.lr={:.3g}\n",
                 lr, *result.suggestion + 1, result.lrs.size(), lr);
    }
    fmt::print("plot: {}\nvalues: {}\n", args->plot, values_path(args->plot));
    return 0;
  };
}

}  // namespace attune::cli
