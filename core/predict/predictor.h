#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/predict/trained_model.h"

namespace attune {

/// One example's prediction: the most probable class and every class's
/// probability, or for a regression the predicted value.
struct Prediction {
  int64_t label_id = 0;              // -1 for a regression
  std::string label;                 // the class name, or the value as text
  std::vector<float> probabilities;  // by label id, summing to 1; empty for a regression
  float value = 0.0F;                // a regression's output
};

/// Labels new inputs with a trained model: a run folder or an export,
/// loaded once. What `attune predict` runs, and the C++ API for applications:
///
///     attune::Predictor predictor("runs/sst2");
///     for (const auto& p : predictor.classify({"a gripping film"})) std::cout << p.label;
///
/// The forward pass is the one training and `attune eval` run (same batches
/// give the same logits), without gradients, in the run's precision.
class Predictor {
 public:
  explicit Predictor(const std::string& folder, const TrainedModelOptions& options = {});

  /// Class names by id.
  const std::vector<std::string>& labels() const;
  /// The run's evaluation batch size (train.eval_batch_size).
  int64_t default_batch_size() const;

  /// Labels single texts (a text run), in batches of `batch_size` (0 = the default).
  std::vector<Prediction> classify(const std::vector<std::string>& texts, int64_t batch_size = 0) const;
  /// Labels every example of `dataset` in order, in batches of `batch_size`
  /// (0 = the default), handing each batch's predictions to `each` with the
  /// count done so far.
  void predict_in_batches(const Dataset& dataset, int64_t batch_size,
                          const std::function<void(const std::vector<Prediction>&, int64_t done)>& each) const;
  /// Labels the examples of `dataset` at `indices`, as one batch.
  std::vector<Prediction> predict(const Dataset& dataset, const std::vector<int64_t>& indices) const;
  /// The logits [indices, classes] of one batch, float32 on the CPU.
  torch::Tensor logits(const Dataset& dataset, const std::vector<int64_t>& indices) const;

  /// The loaded model, its data module and config.
  const TrainedModel& trained() const { return *trained_; }

 private:
  std::shared_ptr<TrainedModel> trained_;
};

}  // namespace attune
