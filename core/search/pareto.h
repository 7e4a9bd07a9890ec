#pragma once

#include <cstddef>
#include <vector>

#include "core/metrics/metric_goal.h"

namespace attune {

/// Points to minimize in every coordinate (a maximized objective negated).
using LossVector = std::vector<double>;

/// Objective values as losses: each maximized one (goals[k]) negated.
LossVector as_losses(const std::vector<double>& values, const std::vector<MetricGoal>& goals);

/// a dominates b: no worse in any coordinate, better in one.
bool dominates(const LossVector& a, const LossVector& b);

/// Each point's non-dominated rank, as NSGA-II sorts (and Optuna's
/// _calculate_nondomination_rank): 0 for the Pareto front, 1 for the front
/// of the rest, and so on.
std::vector<int> nondominated_ranks(const std::vector<LossVector>& points);

/// The hypervolume the points dominate up to `reference` (each coordinate
/// of every point below the reference's): the exact volume of the union of
/// their boxes, by slicing along the last coordinate.
double hypervolume(std::vector<LossVector> points, const LossVector& reference);

/// The reference point Optuna's MOTPE measures hypervolumes against: each
/// coordinate's worst value, 10% worse (1.1x when positive, 0.9x when
/// negative), and a tiny positive number where that is 0.
LossVector worst_reference(const std::vector<LossVector>& points);

/// MOTPE's "below" side (Optuna's _split_observation_pairs for several
/// objectives): the indices of `count` points, whole non-dominated fronts
/// first, the last front cut by greedy hypervolume subset selection
/// (Optuna's _solve_hssp) against that front's worst_reference; in that
/// order (fronts by index, then as selected).
std::vector<size_t> pareto_best(const std::vector<LossVector>& points, size_t count);

/// MOTPE's weights for the below side's observations (Optuna's
/// _calculate_weights_below_for_multi_objective): each point's hypervolume
/// contribution against worst_reference, plus 1e-12, over the largest,
/// clipped to [0, 1]; 1 for a single point.
std::vector<double> hypervolume_weights(const std::vector<LossVector>& points);

}  // namespace attune
