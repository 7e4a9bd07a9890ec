#include "core/train/loss_window.h"

#include <limits>

#include "core/distributed/distributed.h"

namespace attune {

LossWindow::LossWindow(const torch::Device& device, double sum, int64_t examples)
    : sum_(torch::full({}, sum, torch::TensorOptions(torch::kDouble).device(device))), examples_(examples) {}

void LossWindow::add(const torch::Tensor& step_mean, int64_t global_examples, int64_t own_examples) {
  sum_ += step_mean.detach().to(torch::kDouble) * static_cast<double>(global_examples);
  examples_ += own_examples;
}

double LossWindow::sum() const {
  return sum_.item<double>();
}

torch::Tensor LossWindow::totals(Distributed* distributed) const {
  auto totals = torch::stack({sum_, torch::full({}, static_cast<double>(examples_), sum_.options())});
  if (distributed) distributed->all_reduce_sum({totals});
  return totals.cpu();
}

double LossWindow::mean(Distributed* distributed) const {
  const auto both = totals(distributed);
  const double examples = both[1].item<double>();
  return examples > 0 ? both[0].item<double>() / examples : std::numeric_limits<double>::quiet_NaN();
}

void LossWindow::gather(Distributed* distributed, int64_t rank) {
  if (!distributed) return;
  const auto both = totals(distributed);
  clear();
  if (rank != 0) return;
  sum_.fill_(both[0].item<double>());
  examples_ = static_cast<int64_t>(both[1].item<double>());
}

void LossWindow::clear() {
  sum_.zero_();
  examples_ = 0;
}

}  // namespace attune
