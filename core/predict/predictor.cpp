#include "core/predict/predictor.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "core/data/permutation.h"
#include "core/train/forward_pass.h"

namespace attune {

Predictor::Predictor(const std::string& folder, const TrainedModelOptions& options)
    : trained_(std::make_shared<TrainedModel>(load_trained_model(folder, options))) {}

const std::vector<std::string>& Predictor::labels() const {
  return trained_->labels();
}

int64_t Predictor::default_batch_size() const {
  return trained_->experiment.config().train.eval_batch_size;
}

torch::Tensor Predictor::logits(const Dataset& dataset, const std::vector<int64_t>& indices) const {
  torch::NoGradGuard no_grad;
  const Experiment& e = trained_->experiment;
  return forward_pass(*e.model, dataset, indices, e.device, e.config().precision).logits.to(torch::kCPU);
}

std::vector<Prediction> Predictor::predict(const Dataset& dataset, const std::vector<int64_t>& indices) const {
  const torch::Tensor batch_logits = logits(dataset, indices);
  std::vector<Prediction> result(indices.size());
  if (trained_->experiment.data->spec().task == Task::regression) {
    const torch::Tensor values = batch_logits.reshape({-1}).contiguous();
    for (size_t i = 0; i < result.size(); ++i) {
      result[i].label_id = -1;
      result[i].value = values[static_cast<int64_t>(i)].item<float>();
      result[i].label = fmt::format("{}", result[i].value);  // shortest text that reads back as the same float
    }
    return result;
  }
  // The argmax of the logits, as evaluation scores accuracy (not of the rounded probabilities).
  const torch::Tensor ids = batch_logits.argmax(1).contiguous();
  const torch::Tensor probabilities = torch::softmax(batch_logits, 1).contiguous();
  const int64_t classes = probabilities.size(1);
  for (size_t i = 0; i < result.size(); ++i) {
    Prediction& p = result[i];
    p.label_id = ids[static_cast<int64_t>(i)].item<int64_t>();
    p.label = labels().at(static_cast<size_t>(p.label_id));
    const float* row = probabilities.data_ptr<float>() + static_cast<int64_t>(i) * classes;
    p.probabilities.assign(row, row + classes);
  }
  return result;
}

void Predictor::predict_in_batches(
    const Dataset& dataset, int64_t batch_size,
    const std::function<void(const std::vector<Prediction>&, int64_t done)>& each) const {
  const int64_t size = batch_size > 0 ? batch_size : default_batch_size();
  for (int64_t begin = 0; begin < dataset.size(); begin += size) {
    const int64_t end = std::min(begin + size, dataset.size());
    each(predict(dataset, index_range(begin, end)), end);
  }
}

std::vector<Prediction> Predictor::classify(const std::vector<std::string>& texts, int64_t batch_size) const {
  std::vector<Prediction> result;
  predict_in_batches(
      *trained_->experiment.data->encode_texts(texts), batch_size,
      [&](const std::vector<Prediction>& batch, int64_t) { result.insert(result.end(), batch.begin(), batch.end()); });
  return result;
}

}  // namespace attune
