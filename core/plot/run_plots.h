#pragma once

#include <string>
#include <vector>

namespace attune {

/// `attune plot RUN_DIR`: loss.svg (train and validation loss), accuracy.svg
/// and lr.svg (every param group's learning rate) per epoch, from the run's
/// metrics.csv, into RUN_DIR/plots. Returns the files written. A folder
/// without a readable metrics.csv is an InputError naming it.
std::vector<std::string> write_run_plots(const std::string& run_dir);

}  // namespace attune
