#include "metrics/metric.h"

#include <set>

#include "core/metrics/metric_names.h"
#include "core/text/text_fields.h"

ATTUNE_DEFINE_REGISTRY(attune::MetricKind)

namespace attune {
namespace {

const std::string kValidation = "val_";

}  // namespace

std::string metric_column(const std::string& type) {
  return kValidation + type;
}

std::string ema_metric_column(const std::string& type) {
  return metric::ema_prefix + type;
}

MetricGoal column_goal(const std::string& column) {
  // The average's columns go the way the metric goes.
  if (starts_with(column, metric::ema_prefix))
    return column_goal(kValidation + column.substr(metric::ema_prefix.size()));
  const std::string loss = "_loss";
  if (metric::is_trial_measure(column)) return MetricGoal::minimize;  // sizes and times
  if (column == "loss" || (column.size() > loss.size() && ends_with(column, loss))) return MetricGoal::minimize;
  if (starts_with(column, kValidation)) {
    if (const auto* entry = registry<MetricKind>().find(column.substr(kValidation.size()))) {
      return entry->create(YAML::Node(YAML::NodeType::Map), MetricArgs{})->goal();
    }
  }
  return MetricGoal::maximize;
}

std::vector<EvaluatedMetric> build_metrics(const std::vector<Component<MetricKind>>& metrics, const DataSpec& spec) {
  std::vector<EvaluatedMetric> built;
  std::set<std::string> columns;
  MetricArgs args;
  if (spec.task == Task::classification) args.num_classes = spec.num_classes;
  for (const auto& component : metrics) {
    const std::string column = metric_column(component.type);
    if (!columns.insert(column).second) {
      input_error("train.metrics lists `{}` twice: each metric fills one column ({}); keep one", component.type,
                  column);
    }
    auto metric = component.create(args);
    if (metric->task() != spec.task) {
      input_error("train.metrics: `{}` scores a {} but this data is a {}; {}", component.type,
                  task_name(metric->task()), task_name(spec.task),
                  spec.task == Task::regression ? "use pearson or spearman (attune list metrics)"
                                                : "use accuracy, f1, precision, recall or mcc (attune list metrics)");
    }
    built.push_back({column, std::move(metric)});
  }
  return built;
}

std::vector<std::pair<std::string, double>> score(const std::vector<EvaluatedMetric>& metrics,
                                                  const Predictions& predictions) {
  std::vector<std::pair<std::string, double>> values;
  for (const auto& metric : metrics) values.emplace_back(metric.column, metric.metric->compute(predictions));
  return values;
}

}  // namespace attune
