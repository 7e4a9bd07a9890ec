#include "core/train/lr_finder.h"

#include <torch/nn/utils/clip_grad.h>

#include <cmath>
#include <limits>
#include <optional>

#include "core/data/permutation.h"
#include "core/train/forward_pass.h"
#include "core/train/loss_scaler.h"

namespace attune {

double range_test_lr(const LrFinderOptions& options, int64_t step) {
  const double fraction = options.steps > 1 ? static_cast<double>(step) / static_cast<double>(options.steps - 1) : 0.0;
  return options.min_lr * std::pow(options.max_lr / options.min_lr, fraction);
}

std::optional<size_t> steepest_descent(const std::vector<double>& smoothed, int64_t skip_begin, int64_t skip_end) {
  // The kept points, in order, as Lightning keeps them before numpy.gradient.
  std::vector<size_t> kept;
  const auto size = static_cast<int64_t>(smoothed.size());
  for (int64_t i = skip_begin; i < size - skip_end; ++i) {
    if (std::isfinite(smoothed[static_cast<size_t>(i)])) kept.push_back(static_cast<size_t>(i));
  }
  if (kept.size() < 2) return std::nullopt;
  // numpy.gradient with unit spacing: central differences inside, one-sided at the ends.
  auto value = [&](size_t k) { return smoothed[kept[k]]; };
  size_t best = 0;
  double steepest = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < kept.size(); ++k) {
    double gradient = 0;
    if (k == 0) {
      gradient = value(1) - value(0);
    } else if (k + 1 == kept.size()) {
      gradient = value(k) - value(k - 1);
    } else {
      gradient = (value(k + 1) - value(k - 1)) / 2.0;
    }
    if (gradient < steepest) {  // the first of equal ones, as numpy.argmin
      steepest = gradient;
      best = k;
    }
  }
  return kept[best];
}

LrFinderResult find_lr(Experiment& experiment, const LrFinderOptions& options) {
  const auto& config = experiment.config();
  if (options.steps < 2) input_error("lr-find needs at least 2 steps, got {}", options.steps);
  if (!(options.min_lr > 0 && options.max_lr > options.min_lr)) {
    input_error("lr-find needs 0 < --min-lr < --max-lr, got {} and {}", options.min_lr, options.max_lr);
  }
  LrFinderResult result;
  auto& model = *experiment.model;
  model.train();
  const auto parameters = model.parameters();
  const Subset& train = experiment.train_data;
  const int64_t batch_size = config.train.batch_size;
  std::vector<int64_t> order;
  int64_t epoch = 0;
  size_t next = 0;
  double average = 0.0, best = std::numeric_limits<double>::infinity();
  // fp16 on CUDA scales the loss as training does, so that small gradients survive.
  std::optional<LossScaler> scaler;
  if (config.precision == Precision::fp16 && experiment.device.is_cuda()) scaler.emplace();
  for (int64_t step = 0; step < options.steps; ++step) {
    if (next >= order.size()) {  // a fresh shuffle, as training's epochs draw them
      order = epoch_order(train.size(), static_cast<uint64_t>(config.seed), ++epoch);
      next = 0;
    }
    std::vector<int64_t> indices;
    for (; next < order.size() && static_cast<int64_t>(indices.size()) < batch_size; ++next) {
      indices.push_back(train.indices[static_cast<size_t>(order[next])]);
    }
    const double lr = range_test_lr(options, step);
    for (auto& group : experiment.optimizer->param_groups()) group.options().set_lr(lr);
    for (auto parameter : parameters) parameter.mutable_grad() = torch::Tensor();
    const ForwardPass pass = forward_pass(model, *train.dataset, indices, experiment.device, config.precision);
    const torch::Tensor loss = mean_loss(*experiment.scoring.loss, pass.logits, pass.batch.labels);
    bool overflow = false;
    if (scaler) {
      (loss * scaler->scale()).backward();
      std::vector<torch::Tensor> gradients;
      for (const auto& parameter : parameters) {
        if (parameter.grad().defined()) gradients.push_back(parameter.grad());
      }
      overflow = scaler->unscale(gradients);
      scaler->update(overflow);
    } else {
      loss.backward();
    }
    if (config.train.grad_clip_norm > 0 && !overflow) {
      torch::nn::utils::clip_grad_norm_(parameters, config.train.grad_clip_norm);
    }
    if (!overflow) experiment.optimizer->step();
    const double value = loss.item<double>();
    // Lightning's smoothing: a debiased exponential moving average.
    average = options.beta * average + (1 - options.beta) * value;
    const double smoothed = average / (1 - std::pow(options.beta, static_cast<double>(step + 1)));
    result.lrs.push_back(lr);
    result.losses.push_back(value);
    result.smoothed.push_back(smoothed);
    if (!std::isfinite(smoothed) || (step > 1 && smoothed > options.divergence * best)) {
      result.diverged = step + 1 < options.steps;
      break;
    }
    if (smoothed < best || step == 1) best = smoothed;
  }
  result.suggestion = steepest_descent(result.smoothed, options.skip_begin, options.skip_end);
  return result;
}

}  // namespace attune
