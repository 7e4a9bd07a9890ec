#include "core/metrics/metric_goal.h"

#include <fmt/format.h>

#include "core/text/text_fields.h"

namespace attune {

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

MetricGoal resolve_goal(MetricGoal own, MetricMode mode) {
  return explicit_goal(mode).value_or(own);
}

std::string mode_conflict(const std::string& metric, MetricGoal own, MetricMode mode, const std::string& consequence) {
  const auto asked = explicit_goal(mode);
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
