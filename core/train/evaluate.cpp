#include "core/train/evaluate.h"

#include <torch/nn/functional/loss.h>

namespace attune {

EvalResult evaluate(Model& model, const Subset& subset, int64_t batch_size, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  auto loss_sum = torch::zeros({}, torch::TensorOptions(torch::kDouble).device(device));
  auto correct = torch::zeros({}, torch::TensorOptions(torch::kLong).device(device));
  for (int64_t start = 0; start < subset.size(); start += batch_size) {
    const int64_t end = std::min(start + batch_size, subset.size());
    std::vector<int64_t> indices(subset.indices.begin() + start, subset.indices.begin() + end);
    const Batch batch = subset.dataset->collate(indices).to(device);
    const auto logits = model.forward(batch);
    namespace F = torch::nn::functional;
    loss_sum += F::cross_entropy(logits, batch.labels, F::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .to(torch::kDouble);
    correct += logits.argmax(1).eq(batch.labels).sum();
  }
  model.train(was_training);
  EvalResult result;
  result.examples = subset.size();
  if (result.examples > 0) {
    result.loss = loss_sum.item<double>() / static_cast<double>(result.examples);
    result.accuracy = static_cast<double>(correct.item<int64_t>()) / static_cast<double>(result.examples);
  }
  return result;
}

}  // namespace attune
