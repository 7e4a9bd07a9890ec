#include "core/search/pareto.h"

#include <algorithm>

namespace attune {

LossVector as_losses(const std::vector<double>& values, const std::vector<MetricGoal>& goals) {
  LossVector losses;
  for (size_t k = 0; k < values.size() && k < goals.size(); ++k) {
    losses.push_back(goals[k] == MetricGoal::minimize ? values[k] : -values[k]);
  }
  return losses;
}

bool dominates(const LossVector& a, const LossVector& b) {
  bool better = false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k] > b[k]) return false;
    if (a[k] < b[k]) better = true;
  }
  return better;
}

std::vector<int> nondominated_ranks(const std::vector<LossVector>& points) {
  std::vector<int> ranks(points.size(), -1);
  size_t left = points.size();
  for (int rank = 0; left > 0; ++rank) {
    std::vector<size_t> front;
    for (size_t i = 0; i < points.size(); ++i) {
      if (ranks[i] != -1) continue;
      bool dominated = false;
      for (size_t j = 0; j < points.size() && !dominated; ++j) {
        dominated = j != i && ranks[j] == -1 && dominates(points[j], points[i]);
      }
      if (!dominated) front.push_back(i);
    }
    for (size_t i : front) ranks[i] = rank;
    left -= front.size();
  }
  return ranks;
}

double hypervolume(std::vector<LossVector> points, const LossVector& reference) {
  if (points.empty()) return 0.0;
  const size_t d = reference.size();
  if (d == 1) {
    double best = reference[0];
    for (const auto& p : points) best = std::min(best, p[0]);
    return reference[0] - best;
  }
  // Slices between consecutive values of the last coordinate: in each, the
  // points at or below the slice dominate a (d-1)-dimensional volume.
  std::sort(points.begin(), points.end(), [&](const auto& a, const auto& b) { return a[d - 1] < b[d - 1]; });
  const LossVector head(reference.begin(), reference.end() - 1);
  double volume = 0.0;
  std::vector<LossVector> below;
  for (size_t i = 0; i < points.size(); ++i) {
    below.emplace_back(points[i].begin(), points[i].end() - 1);
    const double next = i + 1 < points.size() ? points[i + 1][d - 1] : reference[d - 1];
    if (next > points[i][d - 1]) volume += hypervolume(below, head) * (next - points[i][d - 1]);
  }
  return volume;
}

LossVector worst_reference(const std::vector<LossVector>& points) {
  LossVector reference = points.front();
  for (const auto& p : points) {
    for (size_t k = 0; k < p.size(); ++k) reference[k] = std::max(reference[k], p[k]);
  }
  for (double& r : reference) {
    r = std::max(1.1 * r, 0.9 * r);
    if (r == 0) r = 1e-12;
  }
  return reference;
}

std::vector<size_t> pareto_best(const std::vector<LossVector>& points, size_t count) {
  const auto ranks = nondominated_ranks(points);
  std::vector<size_t> chosen;
  int rank = 0;
  for (;; ++rank) {
    std::vector<size_t> front;
    for (size_t i = 0; i < points.size(); ++i) {
      if (ranks[i] == rank) front.push_back(i);
    }
    if (front.empty() || chosen.size() + front.size() > count) break;
    chosen.insert(chosen.end(), front.begin(), front.end());
  }
  if (chosen.size() == count) return chosen;
  // The front that does not fit: greedy hypervolume subset selection.
  std::vector<size_t> front;
  std::vector<LossVector> front_points;
  for (size_t i = 0; i < points.size(); ++i) {
    if (ranks[i] == rank) {
      front.push_back(i);
      front_points.push_back(points[i]);
    }
  }
  const LossVector reference = worst_reference(front_points);
  std::vector<double> contributions;
  for (const auto& p : front_points) contributions.push_back(hypervolume({p}, reference));
  std::vector<LossVector> selected;
  double selected_volume = 0.0;
  while (chosen.size() < count) {
    const auto best = static_cast<size_t>(
        std::distance(contributions.begin(), std::max_element(contributions.begin(), contributions.end())));
    contributions[best] = -1;  // taken
    for (size_t j = 0; j < front_points.size(); ++j) {
      if (contributions[j] == -1) continue;
      LossVector joint(front_points[j].size());
      for (size_t k = 0; k < joint.size(); ++k) joint[k] = std::max(front_points[best][k], front_points[j][k]);
      auto with_joint = selected;
      with_joint.push_back(joint);
      contributions[j] -= hypervolume(with_joint, reference) - selected_volume;
    }
    selected.push_back(front_points[best]);
    chosen.push_back(front[best]);
    selected_volume = hypervolume(selected, reference);
  }
  return chosen;
}

std::vector<double> hypervolume_weights(const std::vector<LossVector>& points) {
  if (points.size() <= 1) return std::vector<double>(points.size(), 1.0);
  const LossVector reference = worst_reference(points);
  const double total = hypervolume(points, reference);
  std::vector<double> contributions;
  for (size_t i = 0; i < points.size(); ++i) {
    std::vector<LossVector> others;
    for (size_t j = 0; j < points.size(); ++j) {
      if (j != i) others.push_back(points[j]);
    }
    contributions.push_back(total - hypervolume(others, reference) + 1e-12);
  }
  const double largest = *std::max_element(contributions.begin(), contributions.end());
  for (double& c : contributions) c = std::clamp(c / largest, 0.0, 1.0);
  return contributions;
}

}  // namespace attune
