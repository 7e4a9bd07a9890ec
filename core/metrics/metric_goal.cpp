#include "core/metrics/metric_goal.h"

#include <fmt/format.h>

#include "core/metrics/metric_names.h"
#include "core/text/text_fields.h"

namespace attune {

const std::vector<std::string>& ranked_metric_names() {
  static const std::vector<std::string> names = {metric::val_accuracy, metric::val_loss, metric::train_loss};
  return names;
}

MetricGoal metric_goal(const std::string& metric) {
  const std::string suffix = "_loss";
  const bool loss = metric == "loss" || (metric.size() > suffix.size() && ends_with(metric, suffix));
  return loss ? MetricGoal::minimize : MetricGoal::maximize;
}

std::optional<MetricGoal> explicit_goal(MetricMode mode) {
  switch (mode) {
    case MetricMode::min:
      return MetricGoal::minimize;
    case MetricMode::max:
      return MetricGoal::maximize;
    case MetricMode::automatic:
      break;
  }
  return std::nullopt;
}

MetricGoal resolve_goal(const std::string& metric, MetricMode mode) {
  return explicit_goal(mode).value_or(metric_goal(metric));
}

std::string mode_conflict(const std::string& metric, MetricMode mode, const std::string& consequence) {
  const auto asked = explicit_goal(mode);
  const MetricGoal own = metric_goal(metric);
  if (!asked || *asked == own) return "";
  return fmt::format(
      "`{}` contradicts {}, which is {}: it would {}; remove `mode` (it follows the metric) or set "
      "`mode: {}`",
      config::name_of(mode), metric, own == MetricGoal::minimize ? "minimised" : "maximised", consequence,
      to_mode(own));
}

std::string extreme_of(MetricGoal goal, const std::string& metric) {
  return fmt::format("the {} {}", goal == MetricGoal::maximize ? "highest" : "lowest", metric);
}

std::string to_mode(MetricGoal goal) {
  return goal == MetricGoal::maximize ? "max" : "min";
}

bool improves(MetricGoal goal, double value, double best, double min_delta) {
  return goal == MetricGoal::maximize ? value > best + min_delta : value < best - min_delta;
}

}  // namespace attune
