#pragma once

#include <string>
#include <vector>

namespace attune {

/// One curve of a line plot.
struct PlotSeries {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
  bool line = true;      // join the points
  bool markers = false;  // a dot at each point
};

struct PlotOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  int width = 760;
  int height = 440;
  bool legend = true;  // when there are several series
};

/// A line plot as a standalone SVG document: axes with round tick values,
/// one polyline per series, a legend when there are several. Non-finite
/// points are skipped.
std::string line_plot_svg(const std::vector<PlotSeries>& series, const PlotOptions& options);

/// Writes line_plot_svg atomically to `path`.
void write_line_plot(const std::string& path, const std::vector<PlotSeries>& series, const PlotOptions& options);

/// Round tick positions covering [low, high] (about `count` of them).
std::vector<double> nice_ticks(double low, double high, int count = 6);

/// XML-escaped text.
std::string xml_escape(const std::string& text);

}  // namespace attune
