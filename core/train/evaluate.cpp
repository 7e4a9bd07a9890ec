#include "core/train/evaluate.h"

#include "core/data/permutation.h"
#include "core/train/forward_pass.h"

namespace attune {

namespace {

/// A tensor whose rows `positions` are `rows` and whose other rows are zero:
/// summed over the ranks, the ranks' shards become the whole subset's rows.
torch::Tensor scatter_rows(const torch::Tensor& rows, const std::vector<int64_t>& positions, int64_t total) {
  auto sizes = rows.sizes().vec();
  sizes[0] = total;
  auto whole = torch::zeros(sizes, rows.options());
  if (!positions.empty()) whole.index_copy_(0, torch::tensor(positions, torch::kLong).to(rows.device()), rows);
  return whole;
}

}  // namespace

EvalResult evaluate(Model& model, const Subset& subset, const Scoring& scoring, int64_t batch_size,
                    const torch::Device& device, Distributed* distributed, Precision precision) {
  torch::NoGradGuard no_grad;
  // This rank's positions in the subset: every world_size-th, from its rank.
  std::vector<int64_t> positions;
  const int64_t step = distributed ? distributed->world_size() : 1;
  for (int64_t p = distributed ? distributed->rank() : 0; p < subset.size(); p += step) positions.push_back(p);
  const bool was_training = model.is_training();
  model.eval();
  auto loss_sum = torch::zeros({}, torch::TensorOptions(torch::kDouble).device(device));
  double divisor = 0.0;
  std::vector<torch::Tensor> outputs, targets;
  for (int64_t start = 0; start < static_cast<int64_t>(positions.size()); start += batch_size) {
    const int64_t end = std::min(start + batch_size, static_cast<int64_t>(positions.size()));
    std::vector<int64_t> indices;
    for (int64_t i = start; i < end; ++i) indices.push_back(subset.indices[positions[i]]);
    const ForwardPass pass = forward_pass(model, *subset.dataset, indices, device, precision);
    loss_sum += scoring.loss->sum(pass.logits, pass.batch.labels).to(torch::kDouble);
    divisor += scoring.loss->divisor(pass.batch.labels);
    outputs.push_back(pass.logits);
    targets.push_back(pass.batch.labels);
  }
  model.train(was_training);
  EvalResult result;
  result.examples = subset.size();
  if (result.examples == 0) return result;
  Predictions predictions;
  if (!outputs.empty()) {
    predictions.outputs = torch::cat(outputs);
    predictions.targets = torch::cat(targets);
  }
  auto sums = torch::stack({loss_sum, torch::full({}, divisor, loss_sum.options())});
  if (distributed) {
    // A rank without examples still joins with zero rows shaped like the others'.
    if (!predictions.outputs.defined()) {
      const ForwardPass probe = forward_pass(model, *subset.dataset, {subset.indices[0]}, device, precision);
      predictions.outputs = probe.logits.slice(0, 0, 0);
      predictions.targets = probe.batch.labels.slice(0, 0, 0);
    }
    predictions.outputs = scatter_rows(predictions.outputs, positions, subset.size());
    predictions.targets = scatter_rows(predictions.targets, positions, subset.size());
    distributed->all_reduce_sum({sums, predictions.outputs, predictions.targets});
  }
  sums = sums.cpu();
  result.loss = sums[0].item<double>() / sums[1].item<double>();
  predictions.outputs = predictions.outputs.cpu();
  predictions.targets = predictions.targets.cpu();
  result.metrics = score(scoring.metrics, predictions);
  return result;
}

}  // namespace attune
