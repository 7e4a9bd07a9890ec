#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config/codec.h"

namespace attune {

/// Whether a metric gets better by falling (a loss) or by rising (accuracy).
enum class MetricGoal { minimize, maximize };

/// A `mode:` key: `auto` (the metric's own direction), `min` or `max`.
enum class MetricMode { automatic, min, max };
inline const config::EnumNames<MetricMode>& enum_names(MetricMode) {
  static const config::EnumNames<MetricMode> names = {
      {MetricMode::automatic, "auto"}, {MetricMode::min, "min"}, {MetricMode::max, "max"}};
  return names;
}

/// What `mode` asks for: nullopt for `auto`.
std::optional<MetricGoal> explicit_goal(MetricMode mode);

/// The direction a `mode:` key gives for a metric whose own is `own`: `own` for `auto`.
MetricGoal resolve_goal(MetricGoal own, MetricMode mode);

/// Empty when `mode` agrees with `own`, the metric's own direction (or is `auto`);
/// otherwise the start of an error message: "`max` contradicts val_loss,
/// which is minimised: it would keep ", for the caller to finish with what
/// its choice would do (`consequence`, e.g. "the checkpoint with the highest
/// val_loss as best.pt").
std::string mode_conflict(const std::string& metric, MetricGoal own, MetricMode mode, const std::string& consequence);

/// "the highest val_loss" / "the lowest val_accuracy": what a goal picks.
std::string extreme_of(MetricGoal goal, const std::string& metric);

/// `min` or `max`, as PyTorch and Optuna write a direction.
std::string to_mode(MetricGoal goal);

/// Whether `value` improves on `best` by more than `min_delta` in the goal's direction.
bool improves(MetricGoal goal, double value, double best, double min_delta = 0.0);

}  // namespace attune
