#include "core/plot/run_plots.h"

#include <filesystem>
#include <map>

#include "core/error.h"
#include "core/io/table_reader.h"
#include "core/metrics/metric_names.h"
#include "core/plot/svg_plot.h"
#include "core/text/text_fields.h"

namespace attune {
namespace {

/// metrics.csv's columns, each a list of values by row.
struct MetricsTable {
  std::vector<std::string> columns;
  std::map<std::string, std::vector<double>> values;
};

MetricsTable read_metrics(const std::string& path) {
  const Table csv = Table::read(path, TableFormat::csv);  // file:line errors for unreadable or ragged files
  MetricsTable table;
  table.columns = csv.header();
  for (size_t row = 0; row < csv.rows(); ++row) {
    for (size_t column = 0; column < csv.columns(); ++column) {
      const std::string& cell = csv.cell(row, column);
      double value = 0;
      if (!parse_number(cell, value)) {
        input_error("{}:{}: column `{}`: expected a number, got `{}`", path, csv.line(row), table.columns[column],
                    cell);
      }
      table.values[table.columns[column]].push_back(value);
    }
  }
  if (table.values.empty()) input_error("{}: no epochs yet (only a header)", path);
  return table;
}

PlotSeries series(const MetricsTable& table, const std::string& column, const std::string& name) {
  return {name, table.values.at(metric::epoch), table.values.at(column)};
}

}  // namespace

std::vector<std::string> write_run_plots(const std::string& run_dir) {
  const MetricsTable table = read_metrics(run_dir + "/metrics.csv");
  if (!table.values.count(metric::epoch)) input_error("{}/metrics.csv: no `epoch` column", run_dir);
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
    if (column.size() > 5 && ends_with(column, "_loss")) loss.push_back(series(table, column, column));
    if (column.find("accuracy") != std::string::npos) accuracy.push_back(series(table, column, column));
    if (column == metric::lr || column.rfind(metric::lr + "_", 0) == 0) lr.push_back(series(table, column, column));
  }
  plot("loss.svg", "loss", loss);
  plot("accuracy.svg", "accuracy", accuracy);
  plot("lr.svg", "learning rate", lr);
  return written;
}

}  // namespace attune
