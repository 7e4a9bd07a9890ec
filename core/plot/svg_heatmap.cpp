#include "core/plot/svg_heatmap.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/io/atomic_file.h"
#include "core/plot/svg_plot.h"

namespace attune {
namespace {

// A few stops of matplotlib's viridis, interpolated.
std::string viridis(double t) {
  static const double stops[][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(t, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  auto mix = [&](int c) { return static_cast<int>(stops[i][c] + f * (stops[i + 1][c] - stops[i][c])); };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(0), mix(1), mix(2));
}

}  // namespace

std::string heatmap_svg(const std::vector<std::string>& xs, const std::vector<std::string>& ys,
                        const std::map<std::pair<std::string, std::string>, double>& values,
                        const HeatmapOptions& options) {
  const double cell_w = 90, cell_h = 44, left = 120, top = 50, bottom = 60;
  // Wide enough for the title too (about 7.5 px per character at 14 px).
  const double width = std::max(left + cell_w * static_cast<double>(xs.size()) + 30,
                                7.5 * static_cast<double>(options.title.size()) + 40);
  const double height = top + cell_h * static_cast<double>(ys.size()) + bottom;
  double low = INFINITY, high = -INFINITY;
  for (const auto& [key, value] : values) {
    low = std::min(low, value);
    high = std::max(high, value);
  }
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height);
  svg += fmt::format("<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">{}</text>\n", width / 2,
                     xml_escape(options.title));
  for (size_t yi = 0; yi < ys.size(); ++yi) {
    const double y = top + cell_h * static_cast<double>(yi);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", left - 8, y + cell_h / 2 + 4,
                       xml_escape(ys[yi]));
    for (size_t xi = 0; xi < xs.size(); ++xi) {
      const double x = left + cell_w * static_cast<double>(xi);
      auto it = values.find({xs[xi], ys[yi]});
      const bool known = it != values.end();
      const double t = known && high > low ? (it->second - low) / (high - low) : 1.0;
      svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"white\"/>\n", x, y,
                         cell_w, cell_h, known ? viridis(t) : "#cccccc");
      if (known) {
        svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{:.4f}</text>\n", x + cell_w / 2,
                           y + cell_h / 2 + 4, t > 0.6 ? "black" : "white", it->second);
      } else if (auto note = options.empty_cell_labels.find({xs[xi], ys[yi]});
                 note != options.empty_cell_labels.end()) {
        svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555555\">{}</text>\n",
                           x + cell_w / 2, y + cell_h / 2 + 4, xml_escape(note->second));
      }
    }
  }
  const double axis_y = top + cell_h * static_cast<double>(ys.size());
  for (size_t xi = 0; xi < xs.size(); ++xi) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                       left + cell_w * (static_cast<double>(xi) + 0.5), axis_y + 18, xml_escape(xs[xi]));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                     left + cell_w * static_cast<double>(xs.size()) / 2, axis_y + 42, xml_escape(options.x_label));
  svg += fmt::format("<text x=\"14\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {0})\">{1}</text>\n",
                     top + cell_h * static_cast<double>(ys.size()) / 2, xml_escape(options.y_label));
  svg += "</svg>\n";
  return svg;
}

void write_heatmap(const std::string& path, const std::vector<std::string>& xs, const std::vector<std::string>& ys,
                   const std::map<std::pair<std::string, std::string>, double>& values, const HeatmapOptions& options) {
  write_file_atomically(path, heatmap_svg(xs, ys, values, options));
}

}  // namespace attune
