#include "core/train/evaluate.h"

#include "core/train/forward_pass.h"

namespace attune {

EvalResult evaluate(Model& model, const Subset& subset, int64_t batch_size, const torch::Device& device,
                    Distributed* distributed, Precision precision) {
  torch::NoGradGuard no_grad;
  Subset shard = subset;
  if (distributed) {
    shard.indices.clear();
    for (size_t i = static_cast<size_t>(distributed->rank()); i < subset.indices.size();
         i += static_cast<size_t>(distributed->world_size())) {
      shard.indices.push_back(subset.indices[i]);
    }
  }
  const bool was_training = model.is_training();
  model.eval();
  auto loss_sum = torch::zeros({}, torch::TensorOptions(torch::kDouble).device(device));
  auto correct = torch::zeros({}, torch::TensorOptions(torch::kLong).device(device));
  for (int64_t start = 0; start < shard.size(); start += batch_size) {
    const int64_t end = std::min(start + batch_size, shard.size());
    std::vector<int64_t> indices(shard.indices.begin() + start, shard.indices.begin() + end);
    const ForwardPass pass = forward_pass(model, *shard.dataset, indices, device, precision);
    loss_sum += summed_loss(pass).to(torch::kDouble);
    correct += pass.logits.argmax(1).eq(pass.batch.labels).sum();
  }
  model.train(was_training);
  auto sums = torch::stack({loss_sum, correct.to(torch::kDouble)});
  if (distributed) distributed->all_reduce_sum({sums});
  sums = sums.cpu();
  EvalResult result;
  result.examples = subset.size();
  if (result.examples > 0) {
    result.loss = sums[0].item<double>() / static_cast<double>(result.examples);
    result.accuracy = sums[1].item<double>() / static_cast<double>(result.examples);
  }
  return result;
}

}  // namespace attune
