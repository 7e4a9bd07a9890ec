#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace attune {

struct HeatmapOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  /// Text printed in grey cells that have no value (e.g. "pruned").
  std::map<std::pair<std::string, std::string>, std::string> empty_cell_labels;
};

/// A heatmap as a standalone SVG: one cell per (x, y) label pair, coloured
/// from the lowest value (dark) to the highest (bright), each with its value
/// printed; pairs without a value stay grey.
std::string heatmap_svg(const std::vector<std::string>& xs, const std::vector<std::string>& ys,
                        const std::map<std::pair<std::string, std::string>, double>& values,
                        const HeatmapOptions& options);

/// Writes heatmap_svg atomically to `path`.
void write_heatmap(const std::string& path, const std::vector<std::string>& xs, const std::vector<std::string>& ys,
                   const std::map<std::pair<std::string, std::string>, double>& values, const HeatmapOptions& options);

}  // namespace attune
