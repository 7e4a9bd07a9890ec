#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "core/cli/commands.h"
#include "core/error.h"
#include "core/plot/run_plots.h"
#include "core/sweep/sweep_results.h"

namespace attune::cli {

CommandRunner add_plot_command(CLI::App& app) {
  auto folder = std::make_shared<std::string>();
  auto* command = app.add_subcommand("plot", "draw a run's loss, accuracy and lr curves, or a sweep's plots (SVG)");
  command->add_option("folder", *folder, "a run folder (with metrics.csv) or a sweep folder (with sweep.json)")
      ->required();
  return [folder]() {
    namespace fs = std::filesystem;
    if (!fs::is_directory(*folder)) input_error("attune plot {}: no such folder", *folder);
    std::vector<std::string> written;
    if (fs::exists(*folder + "/sweep.json")) {
      // Everything the sweep's end writes, from the store as it is now (also mid-sweep).
      const SweepSpec spec = SweepSpec::load(*folder + "/sweep.json");
      auto store = open_trial_store(spec.storage, spec.name());
      write_results(spec, collect_results(spec, *store));
      for (const char* file : {"heatmap.svg", "learning_curves.svg", "results.csv"}) {
        if (fs::exists(spec.sweep_dir + "/" + file)) written.push_back(spec.sweep_dir + "/" + file);
      }
    } else if (fs::exists(*folder + "/metrics.csv")) {
      written = write_run_plots(*folder);
    } else {
      input_error("attune plot {}: neither a run folder (metrics.csv) nor a sweep folder (sweep.json)", *folder);
    }
    for (const auto& path : written) fmt::print("wrote {}\n", path);
    return 0;
  };
}

}  // namespace attune::cli
