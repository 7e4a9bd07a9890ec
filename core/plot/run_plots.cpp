#include "core/plot/run_plots.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/plot/svg_plot.h"

namespace attune {
namespace {

/// metrics.csv's columns, each a list of values by row.
struct MetricsTable {
  std::vector<std::string> columns;
  std::map<std::string, std::vector<double>> values;
};

MetricsTable read_metrics(const std::string& path) {
  std::ifstream in(path);
  if (!in) input_error("{}: cannot read it (is this a run folder? `attune plot` takes one, or a sweep folder)", path);
  MetricsTable table;
  std::string line;
  if (!std::getline(in, line) || line.empty()) input_error("{}:1: expected a header line of metric names", path);
  std::stringstream header(line);
  for (std::string name; std::getline(header, name, ',');) table.columns.push_back(name);
  for (int row = 2; std::getline(in, line); ++row) {
    if (line.empty()) continue;
    std::stringstream fields(line);
    size_t column = 0;
    for (std::string cell; std::getline(fields, cell, ','); ++column) {
      if (column >= table.columns.size()) input_error("{}:{}: more values than the header's {} columns", path, row, table.columns.size());
      double value = 0;
      try {
        size_t used = 0;
        value = std::stod(cell, &used);
        if (used != cell.size()) throw std::invalid_argument(cell);
      } catch (const std::exception&) {
        input_error("{}:{}: column `{}`: expected a number, got `{}`", path, row, table.columns[column], cell);
      }
      table.values[table.columns[column]].push_back(value);
    }
    if (column != table.columns.size()) {
      input_error("{}:{}: {} values for the header's {} columns", path, row, column, table.columns.size());
    }
  }
  if (table.values.empty()) input_error("{}: no epochs yet (only a header)", path);
  return table;
}

PlotSeries series(const MetricsTable& table, const std::string& column, const std::string& name) {
  return {name, table.values.at("epoch"), table.values.at(column)};
}

}  // namespace

std::vector<std::string> write_run_plots(const std::string& run_dir) {
  const MetricsTable table = read_metrics(run_dir + "/metrics.csv");
  if (!table.values.count("epoch")) input_error("{}/metrics.csv: no `epoch` column", run_dir);
  const std::string folder = run_dir + "/plots";
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) runtime_error("cannot create {}: {}", folder, error.message());
  const std::string run_name = std::filesystem::path(run_dir).lexically_normal().filename().string();
  std::vector<std::string> written;
  auto plot = [&](const std::string& file, const std::string& what, std::vector<PlotSeries> curves) {
    if (curves.empty()) return;
    PlotOptions options;
    options.title = run_name + ": " + what + " per epoch";
    options.x_label = "epoch";
    options.y_label = what;
    write_line_plot(folder + "/" + file, curves, options);
    written.push_back(folder + "/" + file);
  };
  std::vector<PlotSeries> loss, accuracy, lr;
  for (const auto& column : table.columns) {
    if (column.size() > 5 && column.compare(column.size() - 5, 5, "_loss") == 0) loss.push_back(series(table, column, column));
    if (column.find("accuracy") != std::string::npos) accuracy.push_back(series(table, column, column));
    if (column == "lr" || column.rfind("lr_", 0) == 0) lr.push_back(series(table, column, column));
  }
  plot("loss.svg", "loss", loss);
  plot("accuracy.svg", "accuracy", accuracy);
  plot("lr.svg", "learning rate", lr);
  return written;
}

}  // namespace attune
